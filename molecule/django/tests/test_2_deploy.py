"""A release of three packages deployed and rolled back under load: every
package switches together on each host, the migrations run once, and no
request fails; a package of the wrong version is refused before any drain."""
import json

from conftest import APPS, PACKAGES, artifact, installed, node, release_args, request, run_playbook, sql, under_load


def notifier_started(host):
    return node(host).run("systemctl show speedy-notifier -p ExecMainStartTimestampMonotonic --value").stdout.strip()


def test_deploy_switches_all_three_packages_under_load():
    started = {host: notifier_started(host) for host in APPS}
    rc, output, summary = under_load("deploy 2.0.0", "deploy", *release_args("2.0.0"))
    assert rc == 0, output[-3000:]
    for host in APPS:
        assert installed(host) == {name: "2.0.0" for name in PACKAGES}
        assert notifier_started(host) != started[host]  # the worker restarted on the new release
    assert summary["requests"] > 50 and summary["non_2xx"] == 0, summary
    assert "speedy <small>2.0.0</small>" in request("/")[1]
    # Nothing new to migrate: the migration table still has the one row.
    assert sql("SELECT count(*) FROM django_migrations WHERE app = 'posts'") == "1"
    status, body = request("/api/posts", {"body": "after the deploy #v2"})
    assert status == 201, body


def test_rollback_downgrades_all_three_packages_under_load():
    rc, output, summary = under_load("rollback to 1.0.0", "rollback")
    assert rc == 0, output[-3000:]
    for host in APPS:
        assert installed(host) == {name: "1.0.0" for name in PACKAGES}
    assert summary["requests"] > 50 and summary["non_2xx"] == 0, summary
    assert "speedy <small>1.0.0</small>" in request("/")[1]


def test_an_extra_package_of_another_version_is_refused_before_any_change():
    args = release_args("3.0.0")
    extras = [{"name": "speedy-notifier", "artifact": artifact("speedy-notifier", "3.0.0")},
              {"name": "speedy-jobs", "artifact": artifact("speedy-jobs", "1.0.0")}]
    rc, output = run_playbook("deploy", *args[:4], "-e", json.dumps({"app_extra_packages": extras}),
                              all_hosts_up=True)
    assert rc != 0 and "is package speedy-jobs version 1.0.0, not speedy-jobs version 3.0.0" in output, output[-3000:]
    for host in APPS:
        assert installed(host) == {name: "1.0.0" for name in PACKAGES}
        assert not node(host).file("/srv/speedy/releases/3.0.0").exists
