"""Helpers for the engine scenario: Patroni's REST API as each host sees it,
SQL on each node, and the shared scenario helpers."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    CONTAINER_PREFIX as PREFIX, converge, docker, hosts_with_changes, node, secret, wait_for,
)

DBS = ["db1", "db2", "db3"]
ADDRESS = {"db1": "10.231.30.31", "db2": "10.231.30.32", "db3": "10.231.30.33"}
CA = "/etc/hastack/tls/ca.crt"


def api(host, path, target=None, method="GET", scheme="https", body=None, user=None):
    """(HTTP status, body) of a call from host to target's REST API; status 0 when no HTTP answer."""
    target = target or host
    command = ["exec", PREFIX + host, "curl", "-s", "--max-time", "5", "-o", "/dev/stdout", "-w", "\n%{http_code}",
               "--cacert", CA, "-X", method]
    if body is not None:
        command += ["-H", "Content-Type: application/json", "--data", json.dumps(body)]
    if user is not None:
        command += ["-u", user]
    command.append("%s://%s:8008%s" % (scheme, ADDRESS[target], path))
    result = docker(*command)
    text, _, status = result.stdout.rpartition("\n")
    return int(status) if status.strip().isdigit() else 0, text


def cluster(host):
    """Patroni's /cluster as host sees it, or None when it does not answer."""
    status, text = api(host, "/cluster")
    if status != 200:
        return None
    return json.loads(text)


def members(host):
    """{inventory name: member} from host's /cluster (members are named after the hosts)."""
    view = cluster(host) or {"members": []}
    return {member["name"]: member for member in view["members"]}


def leader(host):
    """Name of the running leader in host's view, or None."""
    found = [name for name, member in members(host).items() if member["role"] == "leader" and member["state"] == "running"]
    return found[0] if len(found) == 1 else None


def healthy(host):
    """(leader, streaming replicas) when host sees one running leader and every other member streaming."""
    view = members(host)
    lead = leader(host)
    replicas = tuple(sorted(name for name, member in view.items() if name != lead and member["state"] == "streaming"))
    if lead and len(replicas) == len(DBS) - 1:
        return lead, replicas
    return None


def sql(host, query):
    """Rows of a query run as postgres on one db host; None when it does not answer."""
    result = docker("exec", PREFIX + host, "runuser", "-u", "postgres", "--", "psql", "-XAt", "-F", "|", "-c", query)
    if result.returncode != 0:
        return None
    return [line.split("|") for line in result.stdout.splitlines() if line]


def timeline(host):
    """The timeline a primary writes (from its current WAL file) or a replica receives."""
    query = ("SELECT CASE WHEN pg_is_in_recovery() THEN (SELECT received_tli FROM pg_stat_wal_receiver) "
             "ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END")
    rows = sql(host, query)
    return int(rows[0][0]) if rows and rows[0][0] else None
