"""A setting that needs a restart (max_connections, in Patroni's dynamic
configuration) under a writer through the VIP: without
postgresql_allow_primary_restart the replicas restart one at a time and the
leader keeps running with the restart pending; with it, the lease goes to a
replica first and the former leader restarts as a replica. No acknowledged
row is lost."""
import time

from conftest import (
    ADDRESS, DBS, converge, hosts_with_changes, leader, members, missing_rows, record, settled, sql, wait_for,
    writer_dsn,
)

SETTING = ["-e", "postgresql_max_connections=210"]


def started_at():
    """{host: postmaster start time} for every db host."""
    return {host: (sql(host, "SELECT pg_postmaster_start_time()") or [[None]])[0][0] for host in DBS}


def test_replicas_restart_and_the_leader_waits(writer):
    lead, replicas = wait_for(settled, "a settled cluster", timeout=120)
    before = started_at()
    rc, out = converge(*SETTING)
    assert rc == 0, out
    after = started_at()
    assert all(after[host] != before[host] for host in replicas), (before, after)
    assert after[lead] == before[lead]
    assert leader(lead) == lead
    assert "The leader %s needs a restart (max_connections)" % lead in out, out
    assert members(lead)[lead].get("pending_restart") is True
    for host in replicas:
        assert sql(host, "SHOW max_connections") == [["210"]], host


def test_allow_primary_restart_switches_over_first(writer):
    lead, _replicas = wait_for(settled, "a settled cluster", timeout=120)
    before = started_at()
    started = time.monotonic()
    rc, out = converge(*SETTING, "-e", "postgresql_allow_primary_restart=true")
    assert rc == 0, out
    new = wait_for(lambda: (settled() or [None])[0], "a settled cluster after the restart", timeout=120)
    assert new != lead
    assert started_at()[lead] != before[lead]
    for host in DBS:
        assert sql(host, "SHOW max_connections") == [["210"]], host
        assert not members(new)[host].get("pending_restart"), host
    wait_for(lambda: writer.first_ack_after(started, ADDRESS[new]), "a write acknowledged by " + new, timeout=60)
    record("rolling restart with switchover: longest write gap (s)", "%.2f" % writer.gap(started, time.monotonic()))


def test_a_second_run_restarts_nothing(writer):
    before = started_at()
    rc, out = converge(*SETTING, "-e", "postgresql_allow_primary_restart=true")
    assert rc == 0, out
    assert hosts_with_changes(out) == [], out
    assert started_at() == before


def test_no_acknowledged_row_is_missing(writer):
    acked = list(writer.acked)
    assert len(acked) > 100
    assert missing_rows(writer_dsn(), acked) == []
