"""The leader's host dies (docker kill, no playbook): another member takes
the lease by itself, and the old one comes back as a replica."""
from conftest import DBS, PREFIX, docker, healthy, leader, sql, timeline, wait_for


def test_killed_leader_is_replaced_and_rejoins_as_replica():
    old, _ = wait_for(lambda: healthy("db1"), "a healthy cluster", timeout=120)
    survivors = [host for host in DBS if host != old]
    before = timeline(old)
    assert docker("kill", PREFIX + old).returncode == 0
    try:
        new = wait_for(lambda: leader(survivors[0]) if leader(survivors[0]) in survivors else None,
                       "a new leader among %s" % survivors, timeout=180, every=1)
        assert leader(survivors[1]) == new
        assert sql(new, "SELECT pg_is_in_recovery()") == [["f"]]
        assert timeline(new) > before
        assert sql(new, "INSERT INTO engine_probe VALUES ('after failover')") is not None
    finally:
        assert docker("start", PREFIX + old).returncode == 0
    lead, replicas = wait_for(lambda: healthy(new), "%s back as a streaming replica" % old, timeout=300, every=2)
    assert lead == new and old in replicas
    assert sql(old, "SELECT pg_is_in_recovery()") == [["t"]]
    assert timeline(old) == timeline(new)
    wait_for(lambda: sql(old, "SELECT count(*) FROM engine_probe WHERE note = 'after failover'") == [["1"]],
             "%s to replay the write made after the failover" % old, timeout=60)
