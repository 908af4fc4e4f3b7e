"""Bad input for the patroni engine, refused by site.yml's first play before
any host changes: an even or empty etcd group and mixed Patroni versions.
(A switchover to the leader or outside the db group and a failover while
the leader runs are refused in test_4; a failover that would lose commits
in test_7.)"""
import os

from conftest import hosts_with_changes, run_playbook

EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]


def extra_inventory(name, text):
    path = os.path.join(EPHEMERAL, name)
    with open(path, "w") as handle:
        handle.write(text)
    return path


def site(*extra):
    rc, out = run_playbook("site", *extra)
    assert rc != 0, out
    assert hosts_with_changes(out) == [], out
    return out


def test_an_even_dcs_group_is_refused():
    path = extra_inventory("even-dcs.yml", "dcs:\n  hosts:\n    db1:\n    db2:\n")
    out = site("-i", path)
    assert 'etcd_group "dcs" has 2 members (db1, db2): an even number' in out, out


def test_an_empty_dcs_group_is_refused():
    out = site("-e", "etcd_group=no_such_group")
    assert 'etcd_group is "no_such_group", which has no hosts' in out, out


def test_mixed_patroni_versions_are_refused():
    path = extra_inventory("mixed-patroni.yml", "db:\n  hosts:\n    db2:\n      postgresql_patroni_version: '4.0.6'\n")
    out = site("-i", path)
    assert "postgresql_patroni_version differs between the db hosts" in out, out
    assert "4.0.6 on db2" in out, out
