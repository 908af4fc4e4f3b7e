"""A deploy on one host: nothing serves while its only app host restarts, so the inventory
accepts it (app_deploy_min_healthy: 0); the new release serves afterwards, and a rollback too.
The requests lost meanwhile are recorded in .work/logs/grow-figures.txt, never asserted on."""
import os

from conftest import ADDRESS, artifact, get, playbook_under_load, run_playbook, wait_for

FIGURES = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], ".work", "logs", "grow-figures.txt")


def test_a_deploy_and_a_rollback_on_the_one_host():
    rc, output, _summary = playbook_under_load(ADDRESS, FIGURES, "deploy 1.0.0 -> 1.0.1 on one host", "deploy",
                                               "-e", "app_version=1.0.1", "-e", "app_artifact=%s" % artifact("1.0.1"),
                                               rate=10, all_hosts_up=True)
    assert rc == 0, output[-3000:]
    wait_for(lambda: '"1.0.1"' in get("/version")[1], "the new release to serve", timeout=60)
    rc, output, _summary = playbook_under_load(ADDRESS, FIGURES, "rollback to 1.0.0 on one host", "rollback",
                                               rate=10, all_hosts_up=True)
    assert rc == 0, output[-3000:]
    wait_for(lambda: '"1.0.0"' in get("/version")[1], "the rollback to serve 1.0.0", timeout=60)


def test_without_leave_to_drain_the_only_host_the_deploy_refuses():
    rc, output = run_playbook("deploy", "-e", "app_version=1.0.2", "-e", "app_artifact=%s" % artifact("1.0.2"),
                              "-e", "app_deploy_min_healthy=1", all_hosts_up=True)
    assert rc != 0
    assert "app_deploy_min_healthy" in output, output[-3000:]
    assert '"1.0.0"' in get("/version")[1]
