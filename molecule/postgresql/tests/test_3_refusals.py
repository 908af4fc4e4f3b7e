"""Bad input and re-runs change nothing: the primary stays where it is."""
import re

from conftest import hosts_with_changes, primaries, run_playbook, streams_from


def test_converged_cluster_has_one_primary_and_two_streaming_standbys():
    assert primaries() == ["db1"]
    assert streams_from("db1")


def test_switchover_to_a_host_outside_the_group_is_refused():
    rc, out = run_playbook("switchover", "-e", "target=db9")
    assert rc != 0
    assert "target 'db9' is not a host of the db group (db1, db2, db3)" in out
    assert primaries() == ["db1"] and streams_from("db1")


def test_failover_while_the_primary_runs_is_refused():
    rc, out = run_playbook("failover")
    assert rc != 0
    assert "db1 is running as the primary, so nothing has failed" in out and "-e confirm=yes" in out
    assert primaries() == ["db1"] and streams_from("db1")


def test_switchover_to_the_current_primary_changes_nothing():
    rc, out = run_playbook("switchover", "-e", "target=db1")
    assert rc == 0, out
    assert [host for host in hosts_with_changes(out) if host.startswith("db")] == []
    assert primaries() == ["db1"] and streams_from("db1")


def test_rejoin_on_a_healthy_cluster_changes_nothing():
    rc, out = run_playbook("rejoin")
    assert rc == 0, out
    assert hosts_with_changes(out) == []


def test_status_prints_one_line_per_node():
    rc, out = run_playbook("status")
    assert rc == 0, out
    assert re.search(r'"db1 +primary +1 +- +- +UP/DOWN +no"', out), out
    for host in ("db2", "db3"):
        assert re.search(r'"%s +standby +1 +\d+ B, [\d.]+ s +quorum +DOWN/UP +no"' % host, out), out
