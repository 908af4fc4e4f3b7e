"""Automatic failover, no playbook run, while a writer inserts numbered rows
through the VIP: the leader's host dies (docker kill), freezes past the
lease (docker pause) or is cut off from the network while it keeps running.
A replica takes the lease by itself, writes resume on it, no acknowledged
row is lost, the old leader never takes a write again and comes back as a
replica. Then every db host restarts at once and the cluster comes back by
itself."""
import time

from conftest import (
    ADDRESS, DBS, NETWORK, PREFIX, docker, haproxy_states, healthy, hosts_with_changes, leader, members, missing_rows, node,
    record, routed_to, run_playbook, settled, sql, timeline, up, wait_for, writer_dsn,
)


def new_leader(survivors):
    """The member of survivors that both survivors see as the running leader."""
    views = {leader(host) for host in survivors}
    return views.pop() if len(views) == 1 and views <= set(survivors) else None


def back_as_replica(old, new):
    view = wait_for(lambda: healthy(new), "%s back as a streaming replica of %s" % (old, new), timeout=300, every=2)
    assert view[0] == new and old in view[1]
    assert sql(old, "SELECT pg_is_in_recovery()") == [["t"]]
    wait_for(lambda: timeline(old) == timeline(new), "%s on %s's timeline" % (old, new), timeout=60)
    wait_for(lambda: routed_to(new), "haproxy to take %s back for reads" % old, timeout=60)


def only_new_leader_up_for_writes(new):
    """While the old leader comes back and learns it lost the lease, and across
    a reload of haproxy, only the new leader may be UP for writes."""
    samples = []
    reloaded = False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        states = haproxy_states()
        if states:
            samples.append(up(states, "postgresql_primary"))
        if not reloaded and time.monotonic() > deadline - 12:
            assert node("lb1").run("systemctl reload haproxy").rc == 0
            reloaded = True
        time.sleep(0.2)
    assert samples and [sample for sample in samples if sample != [new]] == []


def test_killed_leader_is_replaced_without_losing_a_write(writer):
    old = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)[0]
    survivors = [host for host in DBS if host != old]
    before = timeline(old)
    killed = time.monotonic()
    assert docker("kill", PREFIX + old).returncode == 0
    try:
        new = wait_for(lambda: new_leader(survivors), "a new leader among %s" % survivors, timeout=180, every=1)
        first = wait_for(lambda: writer.first_ack_after(killed, ADDRESS[new]), "a write acknowledged by " + new,
                         timeout=120, every=1)
        record("kill of %s: kill to first write acknowledged by %s through the VIP (s)" % (old, new),
               "%.2f" % (first[2] - killed))
        assert timeline(new) > before
        assert wait_for(lambda: up(haproxy_states(), "postgresql_primary"), "haproxy to route writes") == [new]
        acked = list(writer.acked)
        lost = missing_rows(writer_dsn(), acked)
        record("kill of %s: acknowledged rows lost" % old, "%d of %d" % (len(lost), len(acked)))
        assert lost == []
    finally:
        assert docker("start", PREFIX + old).returncode == 0
    back_as_replica(old, new)
    last = writer.acked[-1][0]
    wait_for(lambda: sql(old, "SELECT count(*) FROM ledger WHERE id = %d" % last, "ledger") == [["1"]],
             "%s to replay the writes made after the failover" % old, timeout=60)


def test_rejoin_then_changes_nothing(writer):
    lead = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)[0]
    rc, out = run_playbook("rejoin")
    assert rc == 0, out
    assert hosts_with_changes(out) == [], out
    assert leader(lead) == lead


def test_frozen_leader_is_replaced_and_never_takes_a_write_again(writer):
    old = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)[0]
    survivors = [host for host in DBS if host != old]
    assert docker("pause", PREFIX + old).returncode == 0
    # From here on old cannot answer (an acknowledgement just before the
    # freeze may be recorded while docker pause returns).
    frozen = time.monotonic()
    try:
        new = wait_for(lambda: new_leader(survivors), "a new leader among %s" % survivors, timeout=180, every=1)
        first = wait_for(lambda: writer.first_ack_after(frozen, ADDRESS[new]), "a write acknowledged by " + new,
                         timeout=120, every=1)
        record("freeze of %s: pause to first write acknowledged by %s through the VIP (s)" % (old, new),
               "%.2f" % (first[2] - frozen))
    finally:
        assert docker("unpause", PREFIX + old).returncode == 0
    only_new_leader_up_for_writes(new)
    back_as_replica(old, new)
    acked = list(writer.acked)
    assert [row for row in acked if row[2] >= frozen and row[1] == ADDRESS[old]] == []
    now = time.monotonic()
    wait_for(lambda: writer.first_ack_after(now, ADDRESS[new]), "writes acknowledged by %s after the freeze" % new)
    lost = missing_rows(writer_dsn(), acked)
    record("freeze of %s: acknowledged rows lost" % old, "%d of %d" % (len(lost), len(acked)))
    assert lost == []


def test_partitioned_leader_is_replaced_and_never_takes_a_write_again(writer):
    old = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)[0]
    survivors = [host for host in DBS if host != old]
    assert docker("network", "disconnect", NETWORK, PREFIX + old).returncode == 0
    cut = time.monotonic()
    try:
        new = wait_for(lambda: new_leader(survivors), "a new leader among %s" % survivors, timeout=180, every=1)
        try:
            first = wait_for(lambda: writer.first_ack_after(cut, ADDRESS[new]), "a write acknowledged by " + new,
                             timeout=120, every=1)
        except AssertionError as exc:
            raise AssertionError("%s; members: %s; replication on %s: %s; haproxy: %s; writer's last errors: %s" % (
                exc, members(new), new, sql(new, "SELECT application_name, state, sync_state FROM pg_stat_replication"),
                haproxy_states(), writer.errors[-3:])) from exc
        record("partition of %s: cut to first write acknowledged by %s through the VIP (s)" % (old, new),
               "%.2f" % (first[2] - cut))
        # Still running but cut off, it must have stopped being a primary by itself.
        wait_for(lambda: sql(old, "SELECT pg_is_in_recovery()") != [["f"]], "%s to demote itself" % old, timeout=60)
    finally:
        assert docker("network", "connect", "--ip", ADDRESS[old], NETWORK, PREFIX + old).returncode == 0
    only_new_leader_up_for_writes(new)
    back_as_replica(old, new)
    acked = list(writer.acked)
    assert [row for row in acked if row[2] >= cut and row[1] == ADDRESS[old]] == []
    lost = missing_rows(writer_dsn(), acked)
    record("partition of %s: acknowledged rows lost" % old, "%d of %d" % (len(lost), len(acked)))
    assert lost == []


def test_every_db_host_restarts_at_once_and_the_cluster_comes_back(writer):
    lead = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)[0]
    before = timeline(lead)
    restarted = time.monotonic()
    # --time 0: killed, not stopped, as a rack losing power.
    assert docker("restart", "--time", "0", *[PREFIX + host for host in DBS]).returncode == 0
    # docker kills and starts the hosts one after another: a write may still
    # be acknowledged by the leader before its turn comes. Count from here.
    back = time.monotonic()
    view = wait_for(settled, "one leader, two streaming replicas and haproxy routing to it", timeout=300, every=2)
    first = wait_for(lambda: writer.first_ack_after(back, ADDRESS[view[0]]), "a write after the restart",
                     timeout=120, every=1)
    record("restart of every db host: restart command to first write acknowledged by %s after it (s)" % view[0],
           "%.2f" % (first[2] - restarted))
    assert timeline(view[0]) >= before
    acked = list(writer.acked)
    lost = missing_rows(writer_dsn(), acked)
    record("restart of every db host: acknowledged rows lost", "%d of %d" % (len(lost), len(acked)))
    assert lost == []
