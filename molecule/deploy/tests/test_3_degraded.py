"""Deploys on a bad day: the load balancer holding the VIP dies part way
through, or an app host is down before the deploy starts. The deploy goes on
past what is dead, names it, and refuses only when too few app hosts serve."""
import json
import os
import threading
import time

from conftest import (APPS, PREFIX, VIP, Load, app_states, deploy, docker, release, run_playbook, served_versions,
                      wait_for)
from scenario_helpers import power_off, power_on, vip_holder

LBS = ["lb1", "lb2"]
FIGURES = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], ".work", "logs", "deploy-figures.txt")


def record(what, summary):
    """The load's summary, for docs/deploy.md's figures (never asserted on for speed)."""
    with open(FIGURES, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(dict(what=what, **summary)) + "\n")


def holder():
    """The lb host whose eth0 carries the VIP."""
    return vip_holder(VIP, LBS)


def test_a_deploy_goes_on_when_the_load_balancer_holding_the_vip_dies():
    dead = wait_for(holder, "an lb to hold the VIP", timeout=60)
    hosts = docker("exec", PREFIX + dead, "cat", "/etc/hosts").stdout
    outcome = {}
    try:
        # The load covers the deploy alone: the killed lb's return comes after it.
        with Load(VIP, "/", rate=20, threads=4, max_seconds=400, timeout=15) as load:
            worker = threading.Thread(target=lambda: outcome.update(result=deploy("2.0.0")), daemon=True)
            worker.start()
            # Killed once the deploy drains its first host, as in a user's report (20 s into it).
            wait_for(lambda: "DRAIN" in app_states(dead).values() or not worker.is_alive(),
                     "the deploy to drain its first app host", timeout=300, every=0.5)
            docker("kill", PREFIX + dead)
            killed_at = time.monotonic()
            worker.join(600)
    finally:
        # Back for the tests after this one; keepalived and haproxy start with the host.
        power_on(dead, hosts)
    rc, output = outcome["result"]
    assert rc == 0, output[-3000:]
    assert "Passed over, as they carry no traffic: %s" % dead in output, output[-3000:]
    assert {name: release(name) for name in APPS} == {name: "2.0.0" for name in APPS}
    summary = load.summary()
    summary["failed_after_kill_s"] = [round(r[0] - killed_at, 1) for r in load.results if not 200 <= r[1] < 300]
    record("deploy, the VIP's lb killed once the first host drained", summary)
    # Only the VIP's move may cost requests: none failed once the other lb held it for 30 s.
    late_failures = [r for r in load.results if r[0] > killed_at + 30 and not 200 <= r[1] < 300]
    assert summary["requests"] > 100 and late_failures == [], summary
    assert summary["non_2xx"] <= 0.05 * summary["requests"], summary
    assert served_versions() == {"2.0.0": set(APPS)}
    wait_for(lambda: app_states(dead) == {name: "UP" for name in APPS}, "the killed lb to serve again", timeout=120)


def under_load(action):
    """(action()'s result, the load's summary) with 20 req/s through the VIP meanwhile."""
    with Load(VIP, "/", rate=20, threads=4, max_seconds=400, timeout=15) as load:
        result = action()
    return result, load.summary()


def current_release(name):
    """The release app host name runs, or None while it is down."""
    result = docker("exec", PREFIX + name, "readlink", "/srv/demo/current")
    return result.stdout.strip().rsplit("/", 1)[-1] if result.returncode == 0 else None


def test_a_rollback_skips_an_app_host_that_is_down_and_names_it():
    hosts = power_off("app2")
    try:
        # One host serves, and none would while it is drained: refused before any host changes.
        rc, output = run_playbook("rollback")
        assert rc != 0 and "0 would serve, fewer than app_deploy_min_healthy (1)" in output, output[-3000:]
        assert "down: app2" in output, output[-3000:]
        assert release("app1") == "2.0.0"

        # Accepting that the app is down while app1 restarts (the release may be the fix):
        rc, output = run_playbook("rollback", "-e", "app_deploy_min_healthy=0")
        assert rc == 0, output[-3000:]
        assert "Skipped, as they do not answer: app2" in output, output[-3000:]
        assert release("app1") == "1.0.0"
    finally:
        power_on("app2", hosts)
    wait_for(lambda: current_release("app2") == "2.0.0", "app2 to be back, on the release it ran", timeout=120)
    wait_for(lambda: app_states() == {name: "UP" for name in APPS}, "app2 to serve again", timeout=120)


def test_a_load_balancer_dead_before_a_deploy_costs_no_request():
    """It also brings app1 back in line with app2, which the deploy leaves alone."""
    spare = next(name for name in LBS if name != wait_for(holder, "an lb to hold the VIP", timeout=60))
    hosts = power_off(spare)
    try:
        (rc, output), load = under_load(lambda: deploy("2.0.0"))
    finally:
        power_on(spare, hosts)
    record("deploy, the other lb dead before it", load)
    assert rc == 0, output[-3000:]
    assert "Passed over, as they carry no traffic: %s" % spare in output, output[-3000:]
    assert load["requests"] > 50 and load["non_2xx"] == 0, load
    assert {name: release(name) for name in APPS} == {name: "2.0.0" for name in APPS}
    wait_for(lambda: app_states(spare) == {name: "UP" for name in APPS}, "%s to serve again" % spare, timeout=120)
