"""A member that lost its data (host rebuilt) joins again with the next run:
its old identity is removed, it is added anew and catches up."""
from conftest import MEMBERS, converge, etcdctl, etcdctl_json, hosts_with_changes, node


def member_ids():
    members = etcdctl_json("db1", "member", "list")[0]
    return {member["name"]: member["ID"] for member in members["members"]}


def test_member_without_data_rejoins_with_the_next_run():
    assert etcdctl("db1", "put", "/hastack-test/before-rebuild", "kept").rc == 0
    before = member_ids()
    assert node("db3").run("systemctl stop etcd && rm -rf /var/lib/etcd/default").rc == 0
    rc, output = converge()
    assert rc == 0, output[-3000:]
    assert "Join | Remove the member this host was before it lost its data, for db3" in output
    after = member_ids()
    assert sorted(after) == MEMBERS
    assert after["db3"] != before["db3"] and after["db1"] == before["db1"]
    got = etcdctl("db3", "get", "/hastack-test/before-rebuild", "--print-value-only", "--consistency=s")
    assert got.rc == 0 and got.stdout.strip() == "kept"
    # the next run changes nothing: the rejoined member keeps its written state
    rc, output = converge()
    assert rc == 0, output[-3000:]
    assert hosts_with_changes(output) == []
