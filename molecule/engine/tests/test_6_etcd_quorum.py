"""etcd loses its quorum (two of three members stopped) while a writer
inserts through the VIP: under Patroni's failsafe mode the leader, which
still reaches every member, keeps taking writes and nothing is promoted;
with etcd back the cluster carries on as before."""
import time

from conftest import ADDRESS, missing_rows, node, primaries, record, routed_to, settled, wait_for, writer_dsn


def test_leader_keeps_writing_without_etcd_quorum_and_nothing_promotes(writer):
    lead, replicas = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)
    stopped = list(replicas)
    for host in stopped:
        assert node(host).run("systemctl stop etcd").rc == 0
    lost = time.monotonic()
    try:
        assert not any(node(host).service("etcd").is_running for host in stopped)
        # Twice the lease and more: without failsafe the leader would demote.
        deadline = lost + 50
        while time.monotonic() < deadline:
            assert primaries() == [lead]
            time.sleep(2)
        since = time.monotonic() - 10
        wait_for(lambda: writer.first_ack_after(since, ADDRESS[lead]), "writes acknowledged by %s without etcd quorum" % lead)
        record("etcd quorum loss: longest write gap (s)", "%.2f" % writer.gap(lost, time.monotonic()))
    finally:
        for host in stopped:
            node(host).run("systemctl start etcd")
    assert wait_for(settled, "the cluster settled once etcd is back", timeout=180)[0] == lead
    assert routed_to(lead)
    acked = list(writer.acked)
    assert [row for row in acked if row[2] >= lost and row[1] != ADDRESS[lead]] == []
    assert missing_rows(writer_dsn(), acked) == []
