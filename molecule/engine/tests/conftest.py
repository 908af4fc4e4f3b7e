"""Helpers for the engine scenario: Patroni's REST API as each host sees it,
SQL on each node, haproxy's routing, the writer, and the shared scenario
helpers."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    CONTAINER_PREFIX as PREFIX, converge, debian, docker, hosts_with_changes, node, pg_version, run_playbook, secret, wait_for,
)
from pg_writer import Writer, missing_rows  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import

DBS = ["db1", "db2", "db3"]
ADDRESS = {"db1": "10.231.30.31", "db2": "10.231.30.32", "db3": "10.231.30.33"}
HOST_OF = {address: name for name, address in ADDRESS.items()}
VIP = "10.231.30.100"
NETWORK = "hastack-engine"
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
    command.append("%s://%s:8009%s" % (scheme, ADDRESS[target], path))
    result = docker(*command)
    text, _newline, status = result.stdout.rpartition("\n")
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


def sql(host, query, database="postgres"):
    """Rows of a query run as postgres on one db host; None when it does not answer."""
    result = docker("exec", PREFIX + host, "runuser", "-u", "postgres", "--", "psql", "-XAt", "-F", "|", "-d", database,
                    "-c", query)
    if result.returncode != 0:
        return None
    return [line.split("|") for line in result.stdout.splitlines() if line]


def timeline(host):
    """The timeline a primary writes (from its current WAL file) or a replica receives."""
    query = ("SELECT CASE WHEN pg_is_in_recovery() THEN (SELECT received_tli FROM pg_stat_wal_receiver) "
             "ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END")
    rows = sql(host, query)
    return int(rows[0][0]) if rows and rows[0][0] else None


def writer_dsn():
    return "host=%s port=5432 dbname=ledger user=writer password=%s" % (VIP, secret("writer.pw"))


def haproxy_states(lb="lb1"):
    """{backend: {server: status}} for the PostgreSQL backends, from the runtime API."""
    result = docker("exec", PREFIX + lb, "sh", "-c", "echo 'show stat' | socat -t 2 - UNIX-CONNECT:/run/haproxy/admin.sock")
    states = {}
    for line in result.stdout.splitlines():
        fields = line.split(",")
        if len(fields) > 17 and fields[0] in ("postgresql_primary", "postgresql_replicas") and fields[1] in ADDRESS:
            states.setdefault(fields[0], {})[fields[1]] = fields[17]
    return states


def up(states, backend):
    """Sorted servers haproxy has UP in one backend."""
    return sorted(host for host, state in states.get(backend, {}).items() if state == "UP")


def routed_to(lead, lb="lb1"):
    """haproxy's states once only lead is UP for writes and only the others for reads, else None."""
    states = haproxy_states(lb)
    others = sorted(host for host in DBS if host != lead)
    if up(states, "postgresql_primary") == [lead] and up(states, "postgresql_replicas") == others:
        return states
    return None


def primaries():
    """The db hosts whose PostgreSQL takes writes."""
    return [host for host in DBS if sql(host, "SELECT pg_is_in_recovery()") == [["f"]]]


def settled():
    """(leader, replicas) once every member agrees, PostgreSQL agrees, and haproxy routes to it."""
    view = healthy(DBS[0]) or healthy(DBS[1]) or healthy(DBS[2])
    if view and primaries() == [view[0]] and routed_to(view[0]):
        return view
    return None


def record(what, value):
    """Note a figure the run observed (failover time, write gaps) in .work/logs/engine-figures.txt."""
    path = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], ".work", "logs", "engine-figures.txt")
    with open(path, "a") as handle:
        handle.write("%s: %s\n" % (what, value))


@pytest.fixture(scope="module")
def writer():
    """Numbered rows through the VIP at 20 a second for a test module (bounded: 30 minutes at most)."""
    wait_for(settled, "one leader that haproxy routes writes to", timeout=120)
    started = Writer(writer_dsn(), rate=20, max_seconds=1800).start()
    wait_for(lambda: len(started.acked) >= 20, "the writer's first acknowledged rows")
    yield started
    started.stop()
