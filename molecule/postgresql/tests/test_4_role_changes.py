"""Writes flow through the VIP while the primary changes: a switchover, a
hard failover (docker kill) with quorum commit, a rejoin, then three
switchovers in a row. No acknowledged write may be lost, and only one node
may take writes at a time."""
import time

import pytest

from conftest import (
    ADDRESS, DBS, HOST_OF, PREFIX, Writer, docker, haproxy_states, missing_rows, primaries, run_playbook, slots,
    sql, streams_from, timeline, upstream, wait_for, writer_dsn,
)

# Which host took writes, in order; the writer must show exactly this sequence.
PRIMARIES = ["db1"]


@pytest.fixture(scope="module")
def writer():
    started = Writer(writer_dsn(), rate=20, max_seconds=900).start()
    wait_for(lambda: len(started.acked) >= 20, "the writer's first acknowledged rows")
    yield started
    started.stop()


def acked_on(writer, host, after):
    return wait_for(lambda: writer.first_ack_after(after, ADDRESS[host]), "a write acknowledged by " + host, timeout=60)


def switch_to(writer, target):
    started = time.monotonic()
    rc, out = run_playbook("switchover", "-e", "target=" + target)
    assert rc == 0, out
    assert primaries() == [target]
    acked_on(writer, target, started)
    wait_for(lambda: streams_from(target), "every standby streaming from " + target, timeout=90)
    PRIMARIES.append(target)


def test_switchover_moves_writes_to_the_target(writer):
    switch_to(writer, "db2")


def test_hard_failover_promotes_a_standby_that_holds_every_commit(writer):
    docker("kill", PREFIX + "db2")
    started = time.monotonic()
    rc, out = run_playbook("failover")
    assert rc == 0, out
    (new,) = primaries()
    assert new in ("db1", "db3")
    acked_on(writer, new, started)
    PRIMARIES.append(new)


def test_old_primary_never_starts_as_primary_and_rejoins_by_rewind(writer):
    (primary,) = primaries()
    docker("start", PREFIX + "db2")
    wait_for(lambda: docker("exec", PREFIX + "db2", "systemctl", "is-system-running").stdout.strip() in ("running", "degraded"),
             "db2 to boot", timeout=60)
    # The start guard sees the new primary and keeps db2's server down.
    assert sql("db2", "SELECT 1") is None
    assert primaries() == [primary]
    rc, out = run_playbook("rejoin")
    assert rc == 0, out
    assert "rewound" in out or "started" in out
    wait_for(lambda: streams_from(primary), "db2 streaming from " + primary, timeout=90)
    assert haproxy_states()["postgresql_replicas"]["db2"] != "MAINT"


def test_three_switchovers_in_a_row(writer):
    (before,) = primaries()
    for target in ("db2", before, "db2"):
        switch_to(writer, target)


def test_no_acknowledged_write_is_missing(writer):
    writer.stop()
    assert len(writer.acked) > 200
    assert missing_rows(writer_dsn(), writer.acked) == []


def test_only_one_node_took_writes_at_a_time(writer):
    # Two writable nodes behind the endpoint would show up as servers taking turns.
    assert [HOST_OF[server] for server in writer.server_changes()] == PRIMARIES


def test_every_node_is_on_the_primarys_timeline_and_streams_from_it():
    (primary,) = primaries()
    assert streams_from(primary)
    for host in DBS:
        if host != primary:
            assert upstream(host)[2] == timeline(primary)
    assert timeline(primary) == len(PRIMARIES)


def test_no_stale_slots_remain():
    (primary,) = primaries()
    assert slots(primary) == {host: True for host in DBS if host != primary}
    for host in DBS:
        if host != primary:
            assert slots(host) == {}


def test_haproxy_sends_writes_to_the_primary_only():
    (primary,) = primaries()

    def agreed():
        states = haproxy_states()
        return states if states.get("postgresql_replicas", {}).get(primary) == "DOWN" else None

    states = wait_for(agreed, "haproxy to agree with the cluster")
    assert [host for host, state in states["postgresql_primary"].items() if state == "UP"] == [primary]
    assert "MAINT" not in states["postgresql_replicas"].values()
