"""Maintenance mode turns on and off over the runtime API, without a reload."""
from conftest import LBS, WEB_VIP, http, node, run_playbook, wait_for


def worker_pids():
    return {name: node(name).run(
        "echo 'show info' | socat - UNIX-CONNECT:/run/haproxy/admin.sock | awk '/^Pid:/ {print $2}'").stdout.strip()
        for name in LBS}


def test_maintenance_on_and_off():
    before = worker_pids()
    try:
        rc, output = run_playbook("maintenance", "-e", "state=on")
        assert rc == 0, output[-2000:]
        status, body = http("/anything")
        assert status == 503 and "be right back" in body
        headers = node("app1").run("curl -s -m 3 -D - -o /dev/null http://%s/" % WEB_VIP).stdout.lower()
        assert "retry-after: 120" in headers

        rc, output = run_playbook("maintenance", "-e", "state=on")
        assert rc == 0 and "changed=0" in output, output[-2000:]
    finally:
        rc, output = run_playbook("maintenance", "-e", "state=off")
    assert rc == 0, output[-2000:]
    status, _body = http("/anything")
    assert status == 200
    assert worker_pids() == before, "maintenance mode must not reload haproxy"
    for name in LBS:
        assert node(name).file("/etc/haproxy/hastack-state.map").content_string == "maintenance off\n"


def test_maintenance_refuses_a_wrong_state():
    rc, output = run_playbook("maintenance", "-e", "state=maybe")
    assert rc != 0 and "-e state=on or -e state=off" in output


def test_no_app_server_left_shows_the_friendly_page():
    apps = ["app1", "app2"]
    try:
        for name in apps:
            node(name).run("systemctl stop standin-app")
        wait_for(lambda: http("/")[0] == 503, "haproxy to mark every app server down")
        status, body = http("/")
        assert status == 503 and "be right back" in body
    finally:
        for name in apps:
            node(name).run("systemctl start standin-app")
    wait_for(lambda: http("/")[0] == 200, "the app servers to come back")
