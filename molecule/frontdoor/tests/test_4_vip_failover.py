"""The VIPs move when the active lb dies, and when its haproxy stops."""
from conftest import LBS, PREFIX, WEB_VIP, docker, holders, http, node, single_holder, wait_for


def other(name):
    return [lb for lb in LBS if lb != name][0]


def serves():
    status, body = http("/")
    return status == 200 and body.startswith("app")


def test_docker_kill_of_the_active_lb_moves_the_vip():
    active = wait_for(lambda: single_holder(WEB_VIP), "one holder of the web VIP")
    assert docker("kill", PREFIX + active).returncode == 0
    try:
        wait_for(lambda: holders(WEB_VIP) == [other(active)], "the VIP on %s" % other(active), timeout=20)
        wait_for(serves, "the VIP to serve from %s" % other(active), timeout=10)
    finally:
        docker("start", PREFIX + active)
        docker("exec", PREFIX + active, "systemctl", "is-system-running", "--wait")
    # back as BACKUP: no preemption, the VIP stays where it is
    wait_for(lambda: node(active).service("keepalived").is_running, "keepalived on %s" % active)
    wait_for(lambda: node(active).run("curl -fsS -m 1 http://127.0.0.1:8405/healthz").rc == 0, "haproxy on %s" % active)
    assert holders(WEB_VIP) == [other(active)]


def test_stopping_haproxy_moves_the_vip_through_the_check():
    active = wait_for(lambda: single_holder(WEB_VIP), "one holder of the web VIP")
    host = node(active)
    host.run("systemctl stop haproxy")
    try:
        wait_for(lambda: holders(WEB_VIP) == [other(active)], "the track script to move the VIP", timeout=20)
        wait_for(serves, "the VIP to serve from %s" % other(active), timeout=10)
        assert "FAULT" in host.run("journalctl -u keepalived -n 50 --no-pager").stdout
    finally:
        host.run("systemctl start haproxy")
    wait_for(lambda: "Entering BACKUP STATE" in host.run("journalctl -u keepalived -n 20 --no-pager").stdout,
             "%s to rejoin as BACKUP" % active)
    assert holders(WEB_VIP) == [other(active)]
