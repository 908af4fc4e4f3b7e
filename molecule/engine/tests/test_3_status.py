"""status.yml: one read-only table of Patroni's view, etcd's health and
haproxy's routing."""
import re

from conftest import DBS, hosts_with_changes, run_playbook, settled, wait_for


def test_status_names_the_leader_etcd_health_and_routing():
    lead, replicas = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)
    rc, out = run_playbook("status")
    assert rc == 0, out
    assert hosts_with_changes(out) == []
    assert re.search(r"leader: %s \(timeline \d+\)\s+automatic failover: on\s+synchronous: quorum" % lead, out), out
    assert "etcd: 3 of 3 healthy, quorum" in out, out
    rows = {match.group(1): match.group(2, 3, 4)
            for match in re.finditer(r"^\s*\"(db\d)\s+(\S+)\s+(\S+)\s.*\s(\S+/\S+)\",?$", out, re.MULTILINE)}
    assert sorted(rows) == DBS, out
    assert rows[lead] == ("leader", "running", "UP/DOWN"), out
    for replica in replicas:
        assert rows[replica][0] in ("quorum_standby", "sync_standby", "replica"), out
        assert rows[replica][1:] == ("streaming", "DOWN/UP"), out
