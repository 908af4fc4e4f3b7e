"""Offline stand-in for get-pip.py, for ansible-test.

ansible-test bootstraps pip in its venvs by downloading get-pip.py from
ci-files.testing.ansible.com, which our machines cannot reach. This script
does the same job with the interpreter's own ensurepip, then lets that pip
install the requested packages from PyPI.
"""
import subprocess
import sys

GET_PIP_ONLY = {'--no-setuptools', '--no-wheel'}


def main():
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
    subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--upgrade'] + args)


if __name__ == '__main__':
    main()
