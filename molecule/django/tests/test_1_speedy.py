"""speedy runs from its three packages: the web app through the VIP with its
static files, writes on the primary and reads through db-ro, the notifier
sending each new post once, and the jobs running on one host at a time."""
import json
import re
import subprocess
import urllib.request

from conftest import (APPS, PACKAGES, PREFIX, VIP, docker, haproxy_sessions, installed, node, request, sql, wait_for)


def test_every_package_is_installed_at_the_first_release():
    for host in APPS:
        assert installed(host) == {name: "1.0.0" for name in PACKAGES}
        assert node(host).file("/srv/speedy/current/speedy-jobs.deb").exists


def test_the_page_and_its_static_files_come_through_the_vip():
    status, page = request("/")
    assert status == 200 and "speedy <small>1.0.0</small>" in page
    css = re.search(r'href="(/static/speedy/site\.css\?v=1\.0\.0)"', page)
    assert css, page
    with urllib.request.urlopen("http://%s%s" % (VIP, css.group(1)), timeout=10) as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/css")
        assert "max-age=3600" in response.headers["Cache-Control"] and b"font-family" in response.read()
    assert request("/static/speedy/missing.css")[0] == 404


def test_migrations_ran_once_on_the_primary():
    assert sql("SELECT count(*) FROM django_migrations WHERE app = 'posts' AND name = '0001_initial'") == "1"


def test_a_post_is_written_through_db_read_through_db_ro_and_notified_once():
    rw_before, ro_before = haproxy_sessions("postgresql_rw"), haproxy_sessions("postgresql_ro")
    status, body = request("/api/posts", {"body": "hello from the tests #hastack"})
    assert status == 201, body
    post = json.loads(body)["id"]
    assert json.loads(request("/api/posts/%d" % post)[1])["tags"] == ["hastack"]
    wait_for(lambda: json.loads(request("/api/posts/%d" % post)[1])["notified"], "the notifier to send it", timeout=30)
    assert sql("SELECT count(*) FROM posts_notification WHERE post_id = %d AND sent IS NOT NULL" % post) == "1"
    for _page in range(10):
        assert request("/")[0] == 200
    # New sessions on both ports (CONN_MAX_AGE keeps connections, so at least one each way).
    assert haproxy_sessions("postgresql_rw") >= rw_before and haproxy_sessions("postgresql_ro") > ro_before


def test_the_jobs_run_on_one_host_at_a_time():
    for _post in range(3):
        assert request("/api/posts", {"body": "three of these #trendy"})[0] == 201
    # Another host holds the trending job's lock: this one says so and does nothing.
    holder = subprocess.Popen(["docker", "exec", PREFIX + "db1", "runuser", "-u", "postgres", "--", "psql", "-XAt", "-d",
                               "speedy", "-c", "SELECT pg_advisory_lock(7301), pg_sleep(15)"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7301") == "1",
                 "the lock to be held")
        since = node("app1").run("date '+%Y-%m-%d %H:%M:%S'").stdout.strip()
        assert docker("exec", PREFIX + "app1", "systemctl", "start", "speedy-trending.service").returncode == 0
        log = node("app1").run("journalctl -u speedy-trending.service --since '%s' -o cat" % since).stdout
        assert "trending: another host runs it now" in log, log
        assert "trendy" not in request("/api/trending")[1]
    finally:
        holder.wait(timeout=60)
    assert docker("exec", PREFIX + "app2", "systemctl", "start", "speedy-trending.service").returncode == 0
    trending = json.loads(request("/api/trending")[1])["trending"]
    assert {"tag": "trendy", "count": 3} in [{"tag": row["tag"], "count": row["count"]} for row in trending]


def test_timers_and_the_notifier_run_on_every_app_host():
    for host in APPS:
        assert node(host).service("speedy-notifier").is_running
        timers = node(host).run("systemctl list-timers --no-legend speedy-trending.timer speedy-purge.timer").stdout
        assert "speedy-trending.timer" in timers and "speedy-purge.timer" in timers


def test_the_secret_key_is_only_in_the_environment_file():
    env = node("app1").file("/etc/hastack-app/speedy.env")
    assert env.mode == 0o600 and env.user == "root" and "DJANGO_SECRET_KEY=" in env.content_string
    unit = node("app1").run("systemctl cat speedy.service speedy-notifier.service").stdout
    assert "DJANGO_SECRET_KEY" not in unit
    # Nor on a command line.
    assert "DJANGO_SECRET_KEY" not in node("app1").run("ps -eo args").stdout
