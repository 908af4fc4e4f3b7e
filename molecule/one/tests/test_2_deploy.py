"""A deploy on one host: nothing serves while its only app host restarts, so the inventory
accepts it (app_deploy_min_healthy: 0); the new release serves afterwards, and a rollback too."""
from conftest import Load, deploy, get, run_playbook, wait_for, ADDRESS


def test_a_deploy_and_a_rollback_on_the_one_host():
    with Load(ADDRESS, "/", rate=10, threads=2, max_seconds=300, timeout=10) as load:
        rc, output = deploy("1.0.1")
    assert rc == 0, output[-3000:]
    wait_for(lambda: get("/version")[0] == 200, "the app to serve again", timeout=60)
    assert '"1.0.1"' in get("/version")[1]
    print("deploy on one host: %s" % load.summary())
    rc, output = run_playbook("rollback")
    assert rc == 0, output[-3000:]
    wait_for(lambda: '"1.0.0"' in get("/version")[1], "the rollback to serve 1.0.0", timeout=60)


def test_without_leave_to_drain_the_only_host_the_deploy_refuses():
    rc, output = deploy("1.0.2", "-e", "app_deploy_min_healthy=1")
    assert rc != 0
    assert "app_deploy_min_healthy" in output
    assert '"1.0.0"' in get("/version")[1]
