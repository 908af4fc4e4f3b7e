"""A release deployed and rolled back under load: the migration runs once,
every host switches, the worker restarts on the new release, and no request
fails."""
from conftest import APPS, artifact, haproxy_state_changes, installed, node, request, sql, under_load, upload


def worker_started(host):
    return node(host).run("systemctl show classroom-jobs -p ExecMainStartTimestampMonotonic --value").stdout.strip()


def test_deploy_under_load():
    started = {host: worker_started(host) for host in APPS}
    rc, output, summary = under_load("deploy 2.0.0", "deploy", "-e", "app_version=2.0.0", "-e",
                                     "app_artifact=" + artifact("2.0.0"))
    assert rc == 0, output[-3000:]
    for host in APPS:
        assert installed(host) == "2.0.0"
        assert worker_started(host) != started[host]
    assert summary["requests"] > 50 and summary["non_2xx"] == 0, (summary, haproxy_state_changes())
    assert b"classroom <small>2.0.0</small>" in request("/")[2]
    assert sql("SELECT count(*) FROM schema_migrations") == "2"  # nothing new to apply
    assert upload("after-deploy.txt", b"v2")[0] == 201


def test_rollback_under_load():
    rc, output, summary = under_load("rollback to 1.0.0", "rollback")
    assert rc == 0, output[-3000:]
    for host in APPS:
        assert installed(host) == "1.0.0"
    assert summary["requests"] > 50 and summary["non_2xx"] == 0, (summary, haproxy_state_changes())
    assert b"classroom <small>1.0.0</small>" in request("/")[2]
