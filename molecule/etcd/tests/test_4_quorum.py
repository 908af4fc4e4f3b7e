"""One member down: the other two keep a quorum and take writes; the member
catches up when it starts again."""
import uuid

from conftest import all_urls, etcdctl, node, status_report, url, wait_for


def test_quorum_survives_one_member_and_it_rejoins():
    value = uuid.uuid4().hex
    assert node("db3").run("systemctl stop etcd").rc == 0
    try:
        def two_healthy():
            result = etcdctl("db1", "endpoint", "health", endpoints=[url("db1"), url("db2")])
            return result.rc == 0
        wait_for(two_healthy, "db1 and db2 healthy without db3", timeout=30, every=1)
        put = etcdctl("db2", "put", "/hastack-test/while-db3-down", value)
        assert put.rc == 0, put.stderr
        report = status_report("db1")[0]
        assert report["quorum"] is True and report["healthy"] == 2
        down = [member for member in report["members"] if member["name"] == "db3"][0]
        assert down["healthy"] is False and down["error"]
        assert report["leader"] in ("db1", "db2")
    finally:
        assert node("db3").run("systemctl start etcd").rc == 0

    def db3_caught_up():
        got = etcdctl("db3", "get", "/hastack-test/while-db3-down", "--print-value-only", "--consistency=s")
        return got.rc == 0 and got.stdout.strip() == value
    wait_for(db3_caught_up, "db3 serving the key written while it was down", timeout=60, every=1)
    assert etcdctl("db3", "endpoint", "health", endpoints=all_urls()).rc == 0
