"""The demo app runs from a release on every app host and is served through the VIP."""
import json

from conftest import ADDRESS, APPS, VIP, app_states, get, node, served_versions, sql, wait_for


def test_the_vip_serves_the_demo_app_from_every_app_host():
    assert served_versions() == {"1.0.0": set(APPS)}
    status, body = get("/")
    assert status == 200 and "hastack demo 1.0.0" in body


def test_notes_written_through_the_vip_reach_the_database():
    import urllib.request  # pylint: disable=import-outside-toplevel
    request = urllib.request.Request("http://%s/notes" % VIP, data=json.dumps({"body": "hello from the tests"}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 201
        note_id = json.loads(response.read())["id"]
    assert sql("SELECT body FROM notes WHERE id = %d" % note_id) == "hello from the tests"
    assert any(note["id"] == note_id for note in json.loads(get("/notes?limit=50")[1]))


def test_the_app_reaches_its_database_over_verified_tls():
    """The app dials db (the VIP) with verify-full; a client without TLS is refused and creates nothing."""
    env = node("app1").file("/etc/hastack-app/demo.env").content_string
    assert 'PGSSLMODE="verify-full"' in env and 'PGSSLROOTCERT="/etc/hastack/tls/ca.crt"' in env
    get("/notes?limit=1")  # a connection of the app's, at least
    rows = sql("SELECT DISTINCT s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)"
               " WHERE a.usename = 'demo' AND a.client_addr IS NOT NULL", database="postgres")
    assert rows == "t"
    attack = node("app1").run(
        "set -a; . /etc/hastack-app/demo.env; PGSSLMODE=disable python3 -c "
        "'import psycopg2; psycopg2.connect(\"\").cursor().execute(\"CREATE TABLE tls_probe (id int)\")'")
    assert attack.rc != 0 and "no encryption" in attack.stderr
    assert sql("SELECT to_regclass('tls_probe') IS NULL") == "t"


def test_health_checks_the_database_on_each_host():
    for name in APPS:
        result = node(name).run("curl -s -m 3 http://%s:8000/health" % ADDRESS[name])
        assert result.stdout == "ok 1.0.0\n"


def test_haproxy_sees_every_app_host_up():
    assert wait_for(lambda: set(app_states().values()) == {"UP"}, "every app server UP")


def test_release_layout_and_ownership():
    host = node("app1")
    assert host.file("/srv/demo/current").is_symlink
    assert host.file("/srv/demo/current").linked_to == "/srv/demo/releases/1.0.0"
    assert host.file("/srv/demo/releases/1.0.0/demo_app.py").user == "root"
    assert host.file("/srv/demo/shared/uploads").user == "demo"
    assert host.run("runuser -u demo -- touch /srv/demo/current/x").rc != 0, "the app must not change its code"
    env = host.file("/etc/hastack-app/demo.env")
    assert env.mode == 0o600 and env.user == "root" and "PGPASSWORD=" in env.content_string


def test_units_run_with_limits_and_restart_on_failure():
    host = node("app2")
    for unit in ("demo", "demo-notify"):
        assert host.service(unit).is_running and host.service(unit).is_enabled
    assert host.service("demo-prune.timer").is_running
    show = host.run("systemctl show demo -p Restart -p LimitNOFILE -p User -p WorkingDirectory").stdout
    assert "Restart=on-failure" in show and "LimitNOFILE=65536" in show and "User=demo" in show
    pid = host.run("systemctl show -p MainPID --value demo").stdout.strip()
    host.run("kill -9 %s" % pid)
    wait_for(lambda: host.run("systemctl show -p MainPID --value demo").stdout.strip() not in ("0", pid)
             and host.run("curl -s -m 2 http://%s:8000/health" % ADDRESS["app2"]).stdout.startswith("ok"),
             "systemd to restart the app", timeout=30)


def test_the_app_port_is_open_to_the_load_balancer_only():
    assert node("lb1").run("curl -s -m 3 http://%s:8000/version" % ADDRESS["app1"]).rc == 0
    assert node("db1").run("curl -s -m 3 http://%s:8000/version" % ADDRESS["app1"]).rc != 0


def test_the_worker_and_the_periodic_job_run_from_the_release():
    host = node("app1")
    wait_for(lambda: "notifier 1.0.0" in host.run("journalctl -u demo-notify --no-pager -n 20").stdout,
             "the notifier to log", timeout=30)
    assert host.run("systemctl start demo-prune.service").rc == 0
    assert "pruned" in host.run("journalctl -u demo-prune --no-pager -n 20").stdout
