"""Helpers for the postgresql scenario: SQL on each node, its replication state,
haproxy's routing, the writer, and the collection's playbooks."""
import os
import sys

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    CONTAINER_PREFIX as PREFIX, converge, docker, hosts_with_changes, node, run_playbook, secret, wait_for,
)
from pg_writer import Writer, missing_rows  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import

VIP = "10.231.22.100"
DBS = ["db1", "db2", "db3"]
ADDRESS = {"db1": "10.231.22.31", "db2": "10.231.22.32", "db3": "10.231.22.33"}
HOST_OF = {address: name for name, address in ADDRESS.items()}


def writer_dsn():
    return "host=%s port=5432 dbname=ledger user=writer password=%s" % (VIP, secret("writer.pw"))


def sql(host, query):
    """Rows of a query run as postgres on one db host; None when it does not answer."""
    result = docker("exec", PREFIX + host, "runuser", "-u", "postgres", "--",
                    "psql", "-XAt", "-F", "|", "-c", query)
    if result.returncode != 0:
        return None
    return [line.split("|") for line in result.stdout.splitlines() if line]


def value(name, query, database="postgres"):
    """One query as postgres on a host, its rows '|'-separated; the query must succeed."""
    result = node(name).run("runuser -u postgres -- psql -X -At -d %s -c %s", database, query)
    assert result.rc == 0, result.stderr
    return result.stdout.strip()


def primaries():
    return [host for host in DBS if sql(host, "SELECT pg_is_in_recovery()") == [["f"]]]


def upstream(host):
    """(sender host name, status, timeline) of a standby's WAL receiver, or None."""
    rows = sql(host, "SELECT sender_host, status, received_tli FROM pg_stat_wal_receiver")
    if not rows:
        return None
    sender, status, timeline = rows[0]
    return HOST_OF.get(sender, sender), status, int(timeline)


def streams_from(primary):
    """True once every other db host streams from primary."""
    return all((upstream(host) or (None, None, None))[:2] == (primary, "streaming") for host in DBS if host != primary)


def timeline(host):
    rows = sql(host, "SELECT timeline_id FROM pg_control_checkpoint()")
    return int(rows[0][0]) if rows else None


def slots(host):
    return {name: active == "t" for name, active in sql(host, "SELECT slot_name, active FROM pg_replication_slots") or []}


def haproxy_states(lb="lb1"):
    """{backend: {server: status}} for the PostgreSQL backends, from the runtime API."""
    result = docker("exec", PREFIX + lb, "sh", "-c", "echo 'show stat' | socat -t 2 - UNIX-CONNECT:/run/haproxy/admin.sock")
    states = {}
    for line in result.stdout.splitlines():
        fields = line.split(",")
        if len(fields) > 17 and fields[0] in ("postgresql_primary", "postgresql_replicas") and fields[1] in ADDRESS:
            states.setdefault(fields[0], {})[fields[1]] = fields[17]
    return states
