"""classroom runs from its package: pages and precompiled assets through the
VIP, uploads stored in PostgreSQL and served by every app host, a mail per
upload through the sending host's postfix, secrets only in the environment
file, and a clean stop under systemd."""
import hashlib
import os
import re

from conftest import APPS, haproxy_status, installed, mailbox, node, request, sql, upload, wait_for


def test_the_package_is_installed_at_the_first_release_with_no_gem_fetched():
    for host in APPS:
        assert installed(host) == "1.0.0"
        # Rails is Debian's, and no gem was installed beside Debian's (gem install writes /var/lib/gems).
        assert node(host).run("dpkg-query -W -f '${Version}' ruby-rails").stdout.startswith("2:6.1")
        assert node(host).run("find /var/lib/gems /usr/local/lib/ruby -mindepth 2 2>/dev/null | wc -l").stdout.strip() == "0"


def test_the_page_and_its_precompiled_assets_come_through_the_vip():
    status, _headers, page = request("/")
    assert status == 200 and b"classroom <small>1.0.0</small>" in page
    css = re.search(rb'href="(/assets/application-[0-9a-f]{64}\.css)"', page)
    assert css, page[:2000]
    status, headers, body = request(css.group(1).decode())
    assert status == 200 and headers["Content-Type"].startswith("text/css") and len(body) > 0
    assert "max-age=31536000" in headers["Cache-Control"]
    assert request("/assets/missing.css")[0] == 404


def test_both_migrations_are_applied():
    assert sql("SELECT count(*) FROM schema_migrations") == "2"


def test_an_upload_is_stored_in_postgresql_and_served_by_every_app_host():
    content = os.urandom(50000)
    status, meta = upload("notes.bin", content)
    assert status == 201, meta
    assert meta["sha256"] == hashlib.sha256(content).hexdigest()
    assert sql("SELECT octet_length(data) FROM uploads WHERE id = %d" % meta["id"]) == "50000"
    # No host keeps it: each serves the same bytes straight from the database (asked from lb1: the app
    # port is open to the load balancers only).
    for address in APPS.values():
        fetched = node("lb1").run("curl -sf -m 10 http://%s:8000/uploads/%d | sha256sum" % (address, meta["id"]))
        assert fetched.stdout.split()[0] == meta["sha256"]


def test_an_upload_above_the_limit_is_refused():
    status, _body = upload("big.bin", b"x" * (3 * 1024 * 1024))
    assert status == 413
    assert sql("SELECT count(*) FROM uploads WHERE filename = 'big.bin'") == "0"


def test_each_upload_is_mailed_once_through_the_sending_hosts_postfix():
    names = ["mail-%d.txt" % number for number in range(6)]
    for name in names:
        assert upload(name, name.encode())[0] == 201

    def delivered():
        boxes = "".join(mailbox(host) for host in APPS)
        return all(boxes.count("new upload %s" % name) == 1 for name in names)
    wait_for(delivered, "a mail per upload", timeout=90)
    assert sql("SELECT count(*) FROM delayed_jobs") == "0"
    for host in APPS:
        assert node(host).service("classroom-jobs").is_running
        # postfix listens on loopback only.
        listening = node(host).run("ss -Htln 'sport = :25'").stdout
        assert listening and all(addr in ("127.0.0.1:25", "[::1]:25") for addr in
                                 (line.split()[3] for line in listening.splitlines())), listening


def test_secrets_are_only_in_the_environment_file():
    env = node("app1").file("/etc/hastack-app/classroom.env")
    assert env.mode == 0o600 and env.user == "root"
    key = [line.split("=", 1)[1] for line in env.content_string.splitlines() if line.startswith("SECRET_KEY_BASE=")]
    assert len(key) == 1 and len(key[0].strip("'\"")) == 64
    value = key[0].strip("'\"")
    assert value not in node("app1").run("systemctl cat classroom.service classroom-jobs.service").stdout
    assert value not in node("app1").run("ps -eo args").stdout
    # Neither in the code nor in the release, and no Rails credentials file to hold one.
    assert node("app1").run("grep -rlF '%s' /usr/lib/classroom /srv/classroom" % value).stdout.strip() == ""
    for name in ("master.key", "credentials.yml.enc"):
        assert not node("app1").file("/usr/lib/classroom/config/" + name).exists


def test_a_stop_under_systemd_is_clean():
    host = node("app2")
    try:
        assert host.run("systemctl stop classroom.service").rc == 0
        # puma finished what it had and exited 0: not killed, not failed.
        assert host.run("systemctl show classroom.service -p Result --value").stdout.strip() == "success"
        assert host.run("systemctl show classroom.service -p ExecMainStatus --value").stdout.strip() == "0"
    finally:
        host.run("systemctl start classroom.service")
    health = "curl -s -o /dev/null -w '%%{http_code}' -m 5 http://%s:8000/health" % APPS["app2"]
    wait_for(lambda: node("lb1").run(health).stdout == "200", "app2 to answer again", timeout=60)
    wait_for(lambda: haproxy_status("app2") == "UP", "haproxy to count app2 up again", timeout=30)
