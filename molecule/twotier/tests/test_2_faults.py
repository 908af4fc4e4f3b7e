"""Seed 001's requirement under load: 50 req/s through the VIP with five
frontends, under 2 % failures, steady, while the backend's host is killed
and while a frontend host is killed. Throughput is measured by make
bench-twotier; these tests assert the failures and who serves."""
import time

from conftest import (FRONTENDS, RATE, Load, VIP, answers, failure_share, power_off, power_on, record, states,
                      wait_for)

SECONDS = 40
KILL_AT = 10


def load():
    return Load(VIP, "/", rate=RATE, threads=40, max_seconds=SECONDS, timeout=20)


def test_steady_load_stays_under_two_percent_failures():
    with load() as steady:
        time.sleep(SECONDS)
    summary = steady.summary()
    record("steady, 5 frontends", summary)
    assert summary["requests"] >= 0.5 * RATE * SECONDS, summary
    assert failure_share(summary) < 0.02, summary


def test_killing_the_backends_host_moves_it_to_the_standby():
    wait_for(lambda: states("goback").get("be1", ("",))[0] == "UP", "be1 to serve")
    with load() as during:
        time.sleep(KILL_AT)
        hosts = power_off("be1")
        killed_at = time.monotonic()
        time.sleep(SECONDS - KILL_AT)
    try:
        summary = during.summary()
        summary["failed_after_kill_s"] = [round(r[0] - killed_at, 1) for r in during.results if not 200 <= r[1] < 300]
        record("be1 (the serving backend) killed", summary)
        assert failure_share(summary) < 0.02, summary
        assert summary["requests"] >= 0.5 * RATE * SECONDS, summary
        assert {answer["backend"] for answer in answers(10)} == {"be2"}
        assert states("goback")["be2"] == ("UP", True)
    finally:
        power_on("be1", hosts)
    # Back, it serves again once its checks pass; be2 stands by again.
    wait_for(lambda: {answer["backend"] for answer in answers(5)} == {"be1"}, "be1 to serve again", timeout=120, every=1)


def test_killing_a_frontend_host_costs_under_two_percent():
    victim = FRONTENDS[-1]
    with load() as during:
        time.sleep(KILL_AT)
        hosts = power_off(victim)
        killed_at = time.monotonic()
        time.sleep(SECONDS - KILL_AT)
    try:
        summary = during.summary()
        summary["failed_after_kill_s"] = [round(r[0] - killed_at, 1) for r in during.results if not 200 <= r[1] < 300]
        record("%s (a frontend host) killed" % victim, summary)
        assert failure_share(summary) < 0.02, summary
        assert summary["requests"] >= 0.5 * RATE * SECONDS, summary
        assert states("app")[victim][0].startswith("DOWN")
    finally:
        power_on(victim, hosts)
    wait_for(lambda: states("app")[victim][0] == "UP", "%s back in service" % victim, timeout=120, every=1)
