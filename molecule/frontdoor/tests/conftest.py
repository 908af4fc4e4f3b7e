"""Helpers for the frontdoor scenario: where the VIPs are, HTTP and SQL through them."""
import os
import sys

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    CONTAINER_PREFIX as PREFIX, converge, docker, hosts_with_changes, node, run_playbook, secret, wait_for,
)

WEB_VIP = "10.231.23.100"
DB_VIP = "10.231.23.101"
LBS = ["lb1", "lb2"]
ADDRESS = {"lb1": "10.231.23.11", "lb2": "10.231.23.12", "db1": "10.231.23.31", "db2": "10.231.23.32"}


def holders(vip):
    """The lb hosts whose eth0 carries the VIP (a running keepalived proves nothing)."""
    found = []
    for name in LBS:
        result = docker("exec", PREFIX + name, "ip", "-4", "-o", "addr", "show", "dev", "eth0")
        if result.returncode == 0 and " %s/" % vip in result.stdout:
            found.append(name)
    return found


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
    result = node(client).run(
        "PGPASSWORD=%s PGCONNECT_TIMEOUT=3 psql -XAt 'host=%s port=%s user=probe dbname=postgres' -c %s",
        secret("probe.pw"), DB_VIP, str(port), query)
    assert result.rc == 0, result.stderr
    return result.stdout.strip()
