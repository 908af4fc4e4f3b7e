"""Each VIP on exactly one lb, answering; the web balanced over both app hosts."""
from conftest import DB_VIP, LBS, WEB_VIP, holders, http, node, secret, wait_for


def test_each_vip_sits_on_exactly_one_lb():
    for vip in (WEB_VIP, DB_VIP):
        wait_for(lambda vip=vip: len(holders(vip)) == 1, "one holder of %s" % vip)


def test_config_files_and_socket_are_private():
    for name in LBS:
        host = node(name)
        assert host.file("/etc/keepalived/keepalived.conf").mode == 0o600
        assert host.file("/etc/haproxy/haproxy.cfg").mode == 0o640
        socket = host.file("/run/haproxy/admin.sock")
        assert socket.is_socket and socket.mode == 0o660 and socket.group == "haproxy"
        # the role's wrapper: Debian's keepalived 2.2.7 kills itself after a good test
        assert host.run("/usr/local/sbin/hastack-keepalived-config-test /etc/keepalived/keepalived.conf").rc == 0
        assert host.run("haproxy -c -q -f /etc/haproxy/haproxy.cfg").rc == 0


def test_web_vip_balances_over_both_app_hosts():
    served_by = set()
    for _attempt in range(6):
        status, body = http("/hello")
        assert status == 200, body
        served_by.add(body.split()[0])
    assert served_by == {"app1", "app2"}


def test_a_dead_app_host_leaves_the_pool():
    app2 = node("app2")
    app2.run("systemctl stop standin-app")
    try:
        wait_for(lambda: all(http()[1].startswith("app1") for _attempt in range(4)), "app2 to leave the pool")
    finally:
        app2.run("systemctl start standin-app")
    wait_for(lambda: any(http()[1].startswith("app2") for _attempt in range(4)), "app2 to come back")


def test_stats_page_needs_the_login_and_its_password_is_stored_hashed():
    password = secret("stats.pw")
    status, _body = http("/", host="10.231.23.11:8404")
    assert status == 401
    status, _body = http("/", host="10.231.23.11:8404", extra="-u hastack:not-%s" % password)
    assert status == 401
    status, body = http("/", host="10.231.23.11:8404", extra="-u hastack:%s" % password)
    assert status == 200 and "postgresql_primary" in body
    for name in LBS:
        config = node(name).file("/etc/haproxy/haproxy.cfg").content_string
        assert password not in config
        # SHA-512 crypt, salted per host: the two lb hosts hold different hashes.
        assert "user hastack password '$6$" in config
    hashes = {name: node(name).run("grep -o \"password '[^']*'\" /etc/haproxy/haproxy.cfg").stdout for name in LBS}
    assert hashes["lb1"] != hashes["lb2"]


def test_stats_page_is_not_on_the_vip():
    status, _body = http("/", host=WEB_VIP + ":8404")
    assert status == 0
