"""The store grows from one member to three by editing the inventory and
running again: the new members join one at a time as learners and are
promoted once caught up; the first member's file is not rewritten and its
process not restarted. A group moved to hosts that hold no data while a host
outside it does is refused before any change. Back down: retire.yml takes
the members the inventory left out of the cluster and stops them."""
import os

from conftest import (EPHEMERAL_DIR, MEMBERS, all_urls, ansible_playbook, etcdctl, etcdctl_json, extra_inventory,
                      hosts_with_changes, node, run_playbook)


def main_pid(host):
    return node(host).check_output("systemctl show etcd --property=MainPID --value")


def run_etcd(*extra_args):
    """The etcd role alone on its group, as site.yml's play runs it (converge.yml's check, base system and CA
    are done and would only cost time)."""
    playbook = os.path.join(EPHEMERAL_DIR, "etcd_only.yml")
    with open(playbook, "w") as handle:
        handle.write("- hosts: \"{{ groups['dcs'] | default([]) or groups['db'] }}\"\n"
                     "  roles: [hastack.platform.etcd]\n")
    return ansible_playbook(playbook, *extra_args)


def members():
    """{name: is a learner} of the cluster, as db1 lists it."""
    listed = etcdctl_json("db1", "member", "list")[0]["members"]
    return {member.get("name", ""): bool(member.get("isLearner")) for member in listed}


def test_a_group_moved_away_from_its_data_is_refused():
    inventory = extra_inventory("moved_group", "dcs:\n  hosts:\n    app1:\n")
    rc, output = run_playbook("check", "-i", inventory)
    assert rc != 0
    assert 'etcd_group "dcs" (app1): no member holds the consensus store\'s data, but db1, db2, db3' in output, output[-3000:]
    assert "second, empty database" in output
    assert hosts_with_changes(output) == []


def test_one_member_grows_to_three_without_restarting_it():
    # A one-member store, as a one-host shape starts: every member wiped, db1 alone in the group.
    for host in MEMBERS:
        assert node(host).run("systemctl stop etcd").rc == 0
    for host in MEMBERS:
        assert node(host).run("rm -rf /var/lib/etcd/default").rc == 0
    one = extra_inventory("one_member", "dcs:\n  hosts:\n    db1:\n")
    rc, output = run_etcd("-i", one)
    assert rc == 0, output[-3000:]
    assert members() == {"db1": False}
    assert etcdctl("db1", "put", "/hastack-test/before-growth", "kept").rc == 0
    env_before = node("db1").file("/etc/default/etcd").content_string
    pid_before = main_pid("db1")

    # The inventory grows the group to the three db hosts (no dcs group any more).
    rc, output = run_etcd()
    assert rc == 0, output[-3000:]
    for joiner in ("db2", "db3"):
        assert "Join | Announce the member to the cluster as a learner, for %s" % joiner in output
    assert members() == {"db1": False, "db2": False, "db3": False}
    assert main_pid("db1") == pid_before
    assert node("db1").file("/etc/default/etcd").content_string == env_before
    # db3 joined last, with the list of all three.
    assert 'ETCD_INITIAL_CLUSTER="db1=https://10.231.29.31:2380,db2=https://10.231.29.32:2380,db3=https://10.231.29.33:2380"' \
        in node("db3").file("/etc/default/etcd").content_string
    got = etcdctl("db3", "get", "/hastack-test/before-growth", "--print-value-only")
    assert got.rc == 0 and got.stdout.strip() == "kept"
    assert etcdctl("db1", "endpoint", "health", endpoints=all_urls()).rc == 0

    rc, output = run_etcd()
    assert rc == 0, output[-3000:]
    assert hosts_with_changes(output) == []


def test_members_taken_out_of_the_group_are_retired():
    # Refused while the host is still in the group (here the db group: no dcs group).
    rc, output = run_playbook("retire", "-e", "retire=db3")
    assert rc != 0 and "Still in the db group and the consensus store's group, so nothing to retire: db3" in output, \
        output[-3000:]
    assert hosts_with_changes(output) == []
    assert members() == {"db1": False, "db2": False, "db3": False}

    # Back down to one member: the inventory's dcs group is db1 alone.
    one = extra_inventory("one_member", "dcs:\n  hosts:\n    db1:\n")
    rc, output = run_playbook("retire", "-i", one, "-e", "retire=db2,db3")
    assert rc == 0, output[-3000:]
    assert members() == {"db1": False}
    got = etcdctl("db1", "get", "/hastack-test/before-growth", "--print-value-only")
    assert got.rc == 0 and got.stdout.strip() == "kept"
    for host in ("db2", "db3"):
        assert node(host).run("systemctl is-active etcd").stdout.strip() != "active"
        assert node(host).service("etcd").is_enabled is False
        assert node(host).file("/var/lib/etcd/default.retired/member/wal").is_directory
        assert not node(host).file("/var/lib/etcd/default").exists

    rc, output = run_playbook("retire", "-i", one, "-e", "retire=db2,db3")
    assert rc == 0, output[-3000:]
    assert hosts_with_changes(output) == []
