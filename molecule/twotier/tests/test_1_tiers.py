"""Both tiers run from their Debian packages; the frontends serve the VIP, one
backend serves them at a time, and each port is open only to its callers."""
from conftest import (ADDRESS, BACKENDS, FRONTENDS, PREFIX, VIP, answers, docker, get, node, release, states,
                      wait_for)


def test_every_frontend_serves_the_vip_and_one_backend_answers_them():
    wait_for(lambda: {state for state, _backup in states("app").values()} == {"UP"}, "every frontend UP", timeout=60)
    seen = answers(40)
    assert len(seen) >= 38  # the backend's non-fatal failures are retried by haproxy
    assert {answer["frontend"] for answer in seen} == set(FRONTENDS)
    assert {answer["backend"] for answer in seen} == {"be1"}
    assert {(answer["frontend_version"], answer["backend_version"]) for answer in seen} == {("1.0.0", "1.0.0")}


def test_the_backend_is_a_singleton_with_a_standby():
    assert states("goback", lb="lb1") == {"be1": ("UP", False), "be2": ("UP", True)}
    assert states("goback", lb="lb2") == {"be1": ("UP", False), "be2": ("UP", True)}


def test_both_tiers_run_from_their_packages():
    for host, package in [("fe1", "gofront"), ("be2", "goback")]:
        assert node(host).package(package).version == "1.0.0"
        assert release(host, package) == "1.0.0"
        unit = node(host).run("systemctl show %s -p ActiveState -p StartLimitIntervalUSec -p Restart" % package).stdout
        assert "ActiveState=active" in unit and "Restart=on-failure" in unit and "StartLimitIntervalUSec=0" in unit


def test_the_backend_port_is_open_only_to_the_frontends():
    probe = "import socket; socket.create_connection(('%s', %d), timeout=3); print('open')"
    # A frontend reaches goback through the VIP, but not the backend hosts directly.
    assert node("fe1").run("python3 -c \"%s\"" % (probe % (VIP, 9000))).stdout.strip() == "open"
    assert node("fe1").run("python3 -c \"%s\"" % (probe % (ADDRESS["be1"], 9000))).rc != 0
    # A backend host is no client of goback (it reaches the VIP's web port), nor is this machine.
    assert node("be2").run("python3 -c \"%s\"" % (probe % (VIP, 80))).stdout.strip() == "open"
    assert node("be2").run("python3 -c \"%s\"" % (probe % (VIP, 9000))).rc != 0
    assert get("/work", port=9000)[0] == 0


def test_frontends_that_crash_while_the_backend_is_away_are_respawned():
    """Seed 001: a frontend crashes when its backend is unavailable; it is respawned and serves again."""
    restarts = {name: int(node(name).run("systemctl show gofront -p NRestarts --value").stdout) for name in FRONTENDS}
    try:
        for name in BACKENDS:
            assert docker("exec", PREFIX + name, "systemctl", "stop", "goback").returncode == 0
        wait_for(lambda: all(int(node(name).run("systemctl show gofront -p NRestarts --value").stdout) > restarts[name]
                             for name in FRONTENDS), "every frontend to crash (haproxy's checks call it)", timeout=60)
        wait_for(lambda: {state for state, _backup in states("app").values()} == {"DOWN"}, "haproxy to see them down",
                 timeout=60)
        assert get()[0] == 503  # nothing serves: the friendly page
    finally:
        for name in BACKENDS:
            docker("exec", PREFIX + name, "systemctl", "start", "goback")
    wait_for(lambda: {state for state, _backup in states("app").values()} == {"UP"}, "every frontend back", timeout=90)
    # Each serves again: asked directly from a load balancer, as haproxy's checks ask it.
    for name in FRONTENDS:
        answer = node("lb1").run("curl -s -m 10 http://%s:8000/" % ADDRESS[name])
        assert answer.rc == 0 and '"frontend":"%s"' % name in answer.stdout, answer.stdout
    assert len(answers(20)) == 20
