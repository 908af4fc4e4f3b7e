"""Three members with TLS between them: one cluster, one leader, shared data."""
import uuid

from conftest import ADDRESS, MEMBERS, all_urls, etcdctl, etcdctl_json, healthy, node, status_report, url


def test_three_started_members_with_their_addresses():
    members = etcdctl_json("db1", "member", "list")[0]
    listed = {member["name"]: member for member in members["members"]}
    assert sorted(listed) == MEMBERS  # a member without a name has not started
    for name, member in listed.items():
        assert member["peerURLs"] == ["https://%s:2380" % ADDRESS[name]]
        assert member["clientURLs"] == [url(name)]


def test_one_leader_every_member_agrees_on():
    statuses, result = etcdctl_json("db2", "endpoint", "status", endpoints=all_urls())
    assert result.rc == 0, result.stderr
    assert len(statuses) == 3
    members = {entry["Status"]["header"]["member_id"] for entry in statuses}
    leaders = {entry["Status"]["leader"] for entry in statuses}
    assert len(leaders) == 1 and leaders <= members
    assert healthy("db3") == {endpoint: True for endpoint in all_urls()}


def test_key_written_on_one_member_is_read_on_another():
    value = uuid.uuid4().hex
    put = etcdctl("db1", "put", "/hastack-test/replicated", value)
    assert put.rc == 0 and put.stdout.strip() == "OK", put.stderr
    got = etcdctl("db3", "get", "/hastack-test/replicated", "--print-value-only")
    assert got.rc == 0, got.stderr
    assert got.stdout.strip() == value


def test_members_run_as_etcd_and_read_the_key_through_ssl_cert():
    for host in MEMBERS:
        service = node(host).service("etcd")
        assert service.is_running and service.is_enabled
        assert "ssl-cert" in node(host).user("etcd").groups
        assert node(host).run("runuser -u etcd -- test -r /etc/hastack/tls/host.key").rc == 0


def test_status_entry_point_reports_health_leader_and_raft_index():
    report = status_report("app1")[0]  # not a member: asks through the first one
    assert report["healthy"] == 3 and report["quorum"] is True
    assert [member["name"] for member in report["members"]] == MEMBERS
    assert all(member["healthy"] and member["raft_index"] > 0 for member in report["members"])
    assert [member["name"] for member in report["members"] if member["leader"]] == [report["leader"]]
