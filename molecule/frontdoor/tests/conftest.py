"""Helpers for the frontdoor scenario: where the VIPs are, and bounded waits."""
import os
import subprocess
import time

import testinfra

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
PREFIX = os.environ["MOLECULE_SCENARIO_NAME"] + "-"
WEB_VIP = "10.231.23.100"
DB_VIP = "10.231.23.101"
LBS = ["lb1", "lb2"]
ADDRESS = {"lb1": "10.231.23.11", "lb2": "10.231.23.12", "db1": "10.231.23.31", "db2": "10.231.23.32"}


def node(name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=INVENTORY)


def docker(*args):
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, check=False)


def holders(vip):
    """The lb hosts whose eth0 carries the VIP (a running keepalived proves nothing)."""
    found = []
    for name in LBS:
        result = docker("exec", PREFIX + name, "ip", "-4", "-o", "addr", "show", "dev", "eth0")
        if result.returncode == 0 and " %s/" % vip in result.stdout:
            found.append(name)
    return found


def wait_for(predicate, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))


def single_holder(vip):
    found = holders(vip)
    return found[0] if len(found) == 1 else None


def http(path="/", host=WEB_VIP, client="app1", extra=""):
    """curl from a client host; returns (status, body)."""
    result = node(client).run("curl -s -m 3 %s -w '\\n%%{http_code}' http://%s%s" % (extra, host, path))
    body, _sep, status = result.stdout.rpartition("\n")
    return int(status or 0), body


def psql(port, query, client="db1"):
    """A query through the db VIP as the probe user; returns stdout or raises."""
    password = open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "probe.pw")).read().split()[0]
    result = node(client).run(
        "PGPASSWORD=%s PGCONNECT_TIMEOUT=3 psql -XAt 'host=%s port=%d user=probe dbname=postgres' -c %s",
        password, DB_VIP, port, query)
    assert result.rc == 0, result.stderr
    return result.stdout.strip()


def run_playbook(name, *extra_args):
    result = subprocess.run(
        ["ansible-playbook", "-i", INVENTORY, "hastack.platform." + name, *extra_args],
        capture_output=True, text=True, timeout=300, check=False,
    )
    return result.returncode, result.stdout + result.stderr
