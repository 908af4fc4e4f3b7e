"""pkgdemo, the demo app built as a Debian package (examples/demo_app/build-deb.sh), beside demo on
port 8001: the app role installs it with apt, deploy.yml migrates once and gates each host, a failed
gate goes back to the package version the host ran, rollback.yml goes back one version, and a
package of another name or version is refused before any host changes."""
import json
import os
import subprocess

import pytest
from conftest import (ADDRESS, APPS, ARTIFACTS, EPHEMERAL_DIR, PREFIX, ansible_playbook, docker, run_playbook, sql)

BUILD = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "examples", "demo_app", "build-deb.sh")
SETTINGS = os.path.join(EPHEMERAL_DIR, "pkgdemo.json")
PORT = 8001


def package(version, *flags, name="pkgdemo"):
    path = os.path.join(ARTIFACTS, "%s_%s_all.deb" % (name, version))
    if not os.path.exists(path):
        subprocess.run([BUILD, version, ARTIFACTS, "--name", name, *flags], check=True, capture_output=True,
                       timeout=60)
    return path


def deploy(version, artifact=None):
    return run_playbook("deploy", "-e", "@" + SETTINGS, "-e", "app_version=%s" % version,
                        "-e", "app_artifact=%s" % (artifact or package(version)), all_hosts_up=True)


def installed(host):
    """The version of pkgdemo dpkg has installed on host."""
    return docker("exec", PREFIX + host, "dpkg-query", "-W", "-f", "${Version}", "pkgdemo").stdout.strip()


def served(host):
    out = docker("exec", PREFIX + host, "curl", "-s", "-m", "3", "http://%s:%d/version" % (ADDRESS[host], PORT))
    return json.loads(out.stdout)["version"] if out.returncode == 0 and out.stdout else None


def everywhere(version):
    return {host: (installed(host), served(host)) for host in APPS} == {host: (version, version) for host in APPS}


@pytest.fixture(scope="module", autouse=True)
def pkgdemo():
    settings = {
        "app_name": "pkgdemo", "app_port": PORT, "app_version": "3.0.0", "app_artifact": package("3.0.0"),
        "app_start_command": "/usr/bin/gunicorn --bind ${APP_ADDRESS}:${APP_PORT} --workers 2"
                             " --chdir /usr/lib/pkgdemo demo_app:application",
        "app_migrate_command": "/usr/bin/python3 /usr/lib/pkgdemo/demo_app.py migrate",
        "app_workers": [], "app_timers": [],
    }
    with open(SETTINGS, "w", encoding="utf-8") as handle:
        json.dump(settings, handle)
    rc, output = ansible_playbook(os.path.join(os.path.dirname(__file__), "..", "packaged.yml"), "-e", "@" + SETTINGS)
    assert rc == 0, output[-3000:]


def test_the_role_installs_the_package_and_runs_it_from_its_release():
    assert everywhere("3.0.0")
    for host in APPS:
        assert docker("exec", PREFIX + host, "test", "-f", "/srv/pkgdemo/current/pkgdemo.deb").returncode == 0
    assert sql("SELECT count(*) FROM schema_migrations WHERE version = '3.0.0'") == "1"


def test_a_deploy_installs_the_new_package_and_migrates_once():
    rc, output = deploy("3.1.0")
    assert rc == 0, output[-3000:]
    assert everywhere("3.1.0")
    assert sql("SELECT count(*) FROM schema_migrations WHERE version = '3.1.0'") == "1"


def test_a_package_failing_its_gate_goes_back_to_the_version_the_host_ran():
    rc, output = deploy("3.2.0", package("3.2.0", "--broken"))
    assert rc != 0 and "failed on its way to release 3.2.0" in output, output[-3000:]
    assert everywhere("3.1.0")


def test_a_rollback_goes_back_one_package_version():
    rc, output = run_playbook("rollback", "-e", "@" + SETTINGS, all_hosts_up=True)
    assert rc == 0, output[-3000:]
    assert everywhere("3.0.0")


def test_a_package_of_another_name_or_version_is_refused_before_any_host_changes():
    rc, output = deploy("3.3.0", package("3.3.0", name="pkgother"))
    assert rc != 0 and "is package pkgother version 3.3.0, not pkgdemo version 3.3.0" in output, output[-3000:]
    assert "Drain this host" not in output
    rc, output = deploy("3.4.0", package("3.1.0"))
    assert rc != 0 and "is package pkgdemo version 3.1.0, not pkgdemo version 3.4.0" in output, output[-3000:]
    assert "Drain this host" not in output
    assert everywhere("3.0.0")
    for host in APPS:
        # The rollback pruned 3.2.0, which the history no longer holds.
        kept = docker("exec", PREFIX + host, "sh", "-c", "ls /srv/pkgdemo/releases/*/pkgdemo.deb").stdout.split()
        assert kept == ["/srv/pkgdemo/releases/%s/pkgdemo.deb" % v for v in ("3.0.0", "3.1.0")], kept
