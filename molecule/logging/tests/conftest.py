"""Helpers for the logging scenario: the hosts, the log server's tree, and a
second rsyslogd on a host that sends over RELP as the test tells it to (another
claimed hostname, a given certificate, or no TLS at all)."""
import contextlib
import os
import sys
import uuid

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    EPHEMERAL_DIR, SCENARIO_DIR, ansible_playbook, converge, hosts_with_changes, node, wait_for,
)

SERVER = "log1"
CLIENTS = ["web1", "web2"]
HOSTS = [SERVER] + CLIENTS
SERVER_ADDRESS = "10.231.26.41"
REMOTE = "/var/log/remote"
# The pki role's files on every host.
CA, CERT, KEY = "/etc/hastack/tls/ca.crt", "/etc/hastack/tls/host.crt", "/etc/hastack/tls/host.key"


def remote_file(host, program):
    return "%s/%s/%s.log" % (REMOTE, host, program)


def server_grep(pattern, path, recursive=False):
    """Lines of path on the server that contain pattern (fixed string)."""
    result = node(SERVER).run("grep -hF %s -- %s %s 2>/dev/null", "-r" if recursive else "-s", pattern, path)
    return result.stdout.splitlines()


def files_holding(pattern):
    """Files anywhere under the server's tree that contain pattern."""
    return sorted(node(SERVER).run("grep -rlF -- %s %s", pattern, REMOTE).stdout.split())


PROBE_CONF = """\
global(workDirectory="{dir}"{hostname})
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{dir}/log.sock")
module(load="omrelp"{tlslib})
action(type="omrelp" target="{target}" port="2514"{tls})
"""
PROBE_TLS = (' tls="on" tls.cacert="%s" tls.mycert="{cert}" tls.myprivkey="{key}"'
             ' tls.authmode="name" tls.permittedpeer=["%s"]' % (CA, SERVER))


@contextlib.contextmanager
def relp_probe(host, claimed=None, cert=CERT, key=KEY, tls=True, target=SERVER_ADDRESS):
    """A second rsyslogd on host (a transient unit, at most 3 minutes) that
    forwards what is logged to it over RELP; yields send(program, text)."""
    name = "hastack-probe-" + uuid.uuid4().hex[:8]
    directory = "/run/" + name
    conf = PROBE_CONF.format(
        dir=directory, target=target,
        hostname=' localHostname="%s"' % claimed if claimed else "",
        tlslib=' tls.tlslib="openssl"' if tls else "",
        tls=PROBE_TLS.format(cert=cert, key=key) if tls else "")
    box = node(host)
    box.run_expect([0], "install -d -m 0700 %s && printf '%%s' %s > %s/rsyslog.conf", directory, conf, directory)
    box.run_expect([0], "systemd-run --quiet --unit=%s -p RuntimeMaxSec=180 /usr/sbin/rsyslogd -n -f %s/rsyslog.conf -i %s/pid",
                   name, directory, directory)
    wait_for(lambda: box.file(directory + "/log.sock").is_socket, "the probe's socket on %s" % host, timeout=20)

    def send(program, text):
        box.run_expect([0], "logger -u %s/log.sock -t %s %s", directory, program, text)

    send.socket = directory + "/log.sock"

    try:
        yield send
    finally:
        box.run("systemctl stop %s; rm -rf %s", name, directory)
