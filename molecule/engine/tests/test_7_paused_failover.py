"""Automatic failover paused (Patroni's maintenance mode) and the leader's
host dies: nothing promotes by itself; failover.yml promotes a quorum
standby, writes resume through the VIP without losing an acknowledged row,
and once resumed the old leader comes back as a replica."""
import json
import time

from conftest import (
    ADDRESS, DBS, PREFIX, api, docker, haproxy_states, leader, missing_rows, primaries, run_playbook, secret,
    settled, up, wait_for, writer_dsn,
)
from test_5_failover import back_as_replica

USER = "patroni:%s"


def set_pause(host, paused):
    status, text = api(host, "/config", method="PATCH", body={"pause": True if paused else None},
                       user=USER % secret("patroni-api.pw"))
    assert status == 200, text

    def applied(name):
        status, text = api(name, "/patroni")
        return status in (200, 503) and bool(json.loads(text).get("pause")) == paused

    for name in DBS:
        if docker("inspect", "-f", "{{.State.Running}}", PREFIX + name).stdout.strip() == "true":
            wait_for(lambda n=name: applied(n), "%s to show pause=%s" % (name, paused), timeout=60, every=1)


def test_paused_cluster_fails_over_only_through_the_playbook(writer):
    old = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)[0]
    survivors = [host for host in DBS if host != old]
    set_pause(old, True)
    resumed = False
    killed = time.monotonic()
    assert docker("kill", PREFIX + old).returncode == 0
    try:
        # Past the lease: paused, no replica takes over by itself.
        deadline = killed + 35
        while time.monotonic() < deadline:
            assert [host for host in survivors if host in primaries()] == []
            time.sleep(2)
        wait_for(lambda: leader(survivors[0]) is None, "the lease to expire", timeout=60, every=1)
        started = time.monotonic()
        rc, out = run_playbook("failover")
        assert rc == 0, out
        new = leader(survivors[0])
        assert new in survivors and leader(survivors[1]) == new
        wait_for(lambda: writer.first_ack_after(started, ADDRESS[new]), "a write acknowledged by " + new, timeout=60)
        assert up(haproxy_states(), "postgresql_primary") == [new]
        acked = list(writer.acked)
        assert missing_rows(writer_dsn(), acked) == []
        set_pause(new, False)
        resumed = True
    finally:
        if not resumed:
            set_pause(survivors[0], False)
        assert docker("start", PREFIX + old).returncode == 0
    back_as_replica(old, new)
