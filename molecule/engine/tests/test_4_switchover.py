"""Planned changes of leader through switchover.yml while a writer inserts
numbered rows through the VIP: each lands on the expected member and loses
no acknowledged row; a switchover to the leader itself or to a host outside
the db group, and a failover while the leader runs, are refused before any
change."""
import time

from conftest import (
    ADDRESS, HOST_OF, hosts_with_changes, leader, missing_rows, node, record, routed_to, run_playbook, settled,
    wait_for, writer_dsn,
)

# The member that took writes, in order; the writer must show exactly this sequence.
LEADERS = []


def switch(writer, target=None):
    old, replicas = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)
    started = time.monotonic()
    rc, out = run_playbook("switchover", *(["-e", "target=" + target] if target else []), all_hosts_up=True)
    assert rc == 0, out
    new = leader(old)
    assert (new == target) if target else (new in replicas), (old, target, new)
    wait_for(lambda: writer.first_ack_after(started, ADDRESS[new]), "a write acknowledged by " + new, timeout=60)
    assert wait_for(settled, "%s leading with both others streaming" % new, timeout=120)[0] == new
    record("switchover %s -> %s: longest write gap (s)" % (old, new), "%.2f" % writer.gap(started, time.monotonic()))
    LEADERS.append(new)
    return new


def test_three_switchovers_in_a_row(writer):
    LEADERS.append(wait_for(settled, "one leader that haproxy routes writes to", timeout=120)[0])
    first_target = [host for host in ADDRESS if host != LEADERS[-1]][0]
    switch(writer, first_target)
    switch(writer)
    switch(writer, LEADERS[0] if LEADERS[0] != LEADERS[-1] else LEADERS[1])


def test_no_acknowledged_row_is_missing_after_the_switchovers(writer):
    acked = list(writer.acked)
    assert len(acked) > 100
    assert missing_rows(writer_dsn(), acked) == []


def test_only_one_member_took_writes_at_a_time(writer):
    assert [HOST_OF[server] for server in writer.server_changes()] == LEADERS


def refused(writer, playbook, *args):
    lead = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)[0]
    started = time.monotonic()
    rc, out = run_playbook(playbook, *args)
    assert rc != 0, out
    assert hosts_with_changes(out) == [], out
    assert leader(lead) == lead
    assert routed_to(lead), "haproxy no longer routes only to %s" % lead
    wait_for(lambda: writer.first_ack_after(started, ADDRESS[lead]), "a write acknowledged by " + lead, timeout=30)
    return lead, out


def test_switchover_to_the_leader_is_refused(writer):
    lead = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)[0]
    out = refused(writer, "switchover", "-e", "target=" + lead)[1]
    assert "target=%s already holds the leader lease" % lead in out, out


def test_switchover_to_a_host_outside_the_db_group_is_refused(writer):
    out = refused(writer, "switchover", "-e", "target=lb1")[1]
    assert "target=lb1 is not a host of the db group" in out, out


def test_failover_while_the_leader_runs_is_refused(writer):
    lead, out = refused(writer, "failover")
    assert "Refusing the failover: the leader %s still runs" % lead in out, out


def test_switchover_to_a_replica_that_does_not_stream_is_refused(writer):
    lead, replicas = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)
    down = replicas[0]
    assert node(down).run("systemctl stop patroni").rc == 0
    try:
        rc, out = run_playbook("switchover", "-e", "target=" + down)
        assert rc != 0, out
        assert hosts_with_changes(out) == [], out
        assert ("%s is not a member" % down in out or "%s is stopped, not streaming" % down in out
                or "%s is in no known state, not streaming" % down in out), out
        assert leader(lead) == lead
    finally:
        assert node(down).run("systemctl start patroni").rc == 0
    wait_for(settled, "%s streaming again" % down, timeout=180)
    assert leader(lead) == lead
