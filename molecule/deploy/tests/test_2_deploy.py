"""Rolling deploys and rollbacks under load drop no request; a broken build
is rolled back on the first host and stops the deploy; bad input and an
unhealthy database are refused before any app host is touched."""
from conftest import (APPS, VIP, Load, app_states, artifact, deploy, docker, get, PREFIX, release, run_playbook,
                      served_versions, sql, wait_for)


def under_load(action):
    """Run action() while 20 req/s go through the VIP; return (its result, the load's summary).
    A request may take 15 s before it counts as lost: in a make test run with a load average of 28 the
    client lost 4 at once, one per thread, at 5 s (summary()["errors"] now says of which kind)."""
    with Load(VIP, "/", rate=20, threads=4, max_seconds=240, timeout=15) as load:
        result = action()
    return result, load.summary()


def test_a_rolling_deploy_drops_no_request():
    (rc, output), load = under_load(lambda: deploy("2.0.0", all_hosts_up=True))
    assert rc == 0, output[-3000:]
    assert load["requests"] > 50 and load["non_2xx"] == 0, load
    assert {name: release(name) for name in APPS} == {name: "2.0.0" for name in APPS}
    assert served_versions() == {"2.0.0": set(APPS)}
    assert set(app_states().values()) == {"UP"}


def test_migrations_ran_once_for_the_release():
    assert sql("SELECT count(*) FROM schema_migrations WHERE version = '2.0.0'") == "1"


def test_a_rollback_drops_no_request():
    (rc, output), load = under_load(lambda: run_playbook("rollback", all_hosts_up=True))
    assert rc == 0, output[-3000:]
    assert load["non_2xx"] == 0, load
    assert {name: release(name) for name in APPS} == {name: "1.0.0" for name in APPS}
    assert served_versions() == {"1.0.0": set(APPS)}


def test_a_broken_build_is_rolled_back_and_stops_the_deploy():
    artifact("2.1.0", broken=True)
    (rc, output), load = under_load(lambda: deploy("2.1.0", all_hosts_up=True))
    assert rc != 0
    assert "failed on its way to release 2.1.0" in output and "back in service" in output, output[-3000:]
    assert {name: release(name) for name in APPS} == {name: "1.0.0" for name in APPS}
    assert load["non_2xx"] == 0, load
    wait_for(lambda: set(app_states().values()) == {"UP"}, "every app server UP again")
    assert served_versions() == {"1.0.0": set(APPS)}


def test_old_releases_are_pruned():
    for name in APPS:
        kept = docker("exec", PREFIX + name, "ls", "/srv/demo/releases").stdout.split()
        assert "1.0.0" in kept and len(kept) <= 3, kept


def test_a_missing_artifact_is_refused_before_any_host_is_touched():
    rc, output = run_playbook("deploy", "-e", "app_version=9.9.9", "-e", "app_artifact=/nonexistent/demo-9.9.9.tar.gz",
                              all_hosts_up=True)
    assert rc != 0 and "is not on this machine" in output
    assert "Drain this host" not in output


def test_a_bad_version_or_a_missing_secret_is_refused():
    rc, output = run_playbook("deploy", "-e", "app_version=../../etc", all_hosts_up=True)
    assert rc != 0 and "app_version" in output
    rc, output = deploy("2.0.0", "-e", '{"app_secret_environment": {"PGPASSWORD": ""}}', all_hosts_up=True)
    assert rc != 0 and "PGPASSWORD" in output and "vault" in output
    assert {name: release(name) for name in APPS} == {name: "1.0.0" for name in APPS}


def test_a_deploy_is_refused_while_the_database_is_down():
    docker("exec", PREFIX + "db1", "systemctl", "stop", "patroni")
    try:
        rc, output = deploy("2.0.0", all_hosts_up=True)
    finally:
        docker("exec", PREFIX + "db1", "systemctl", "start", "patroni")
    assert rc != 0 and "not ready for a deploy" in output, output[-2000:]
    assert {name: release(name) for name in APPS} == {name: "1.0.0" for name in APPS}
    wait_for(lambda: served_versions(5) == {"1.0.0": set(APPS)}, "the app to serve again", timeout=60)
    # /version needs no database: the next tests need Patroni leading again (it took over 60 s once).
    wait_for(lambda: get("/health")[0] == 200, "the database to serve the app again", timeout=180, every=1)
