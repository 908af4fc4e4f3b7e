"""Rolling deploys and rollbacks of both tiers under seed 001's load: the
frontends one host at a time, the singleton backend through its standby (the
serving host is drained, the standby takes over, then the other way)."""
import threading

from conftest import (BACKENDS, FRONTENDS, RATE, Load, VIP, answers, deploy, failure_share, record, release,
                      states, wait_for)


def under_load(what, steps):
    """Run steps (deploy calls) one after another under RATE req/s; return their outcomes and the load's summary."""
    outcomes = []
    with Load(VIP, "/", rate=RATE, threads=40, max_seconds=600, timeout=20) as load:
        worker = threading.Thread(target=lambda: outcomes.extend(step() for step in steps), daemon=True)
        worker.start()
        worker.join(900)
    assert not worker.is_alive() and len(outcomes) == len(steps), "the playbooks did not finish within 900 s"
    summary = load.summary()
    record(what, summary)
    return outcomes, summary


def versions():
    return ({release(name, "gofront") for name in FRONTENDS}, {release(name, "goback") for name in BACKENDS})


def test_deploy_both_tiers_under_load():
    outcomes, summary = under_load("deploy 2.0.0, frontends then backend",
                                   [lambda: deploy("app", "2.0.0"), lambda: deploy("backend", "2.0.0")])
    assert [rc for rc, _output in outcomes] == [0, 0], outcomes[-1][1][-3000:]
    assert versions() == ({"2.0.0"}, {"2.0.0"})
    # Zero downtime: only the backend's non-fatal failures, should haproxy's tries all meet one.
    assert failure_share(summary) < 0.002, summary
    assert summary["codes"].keys() <= {"200", "502"}, summary
    seen = answers(20)
    assert {(a["frontend_version"], a["backend_version"], a["backend"]) for a in seen} == {("2.0.0", "2.0.0", "be1")}
    assert states("goback") == {"be1": ("UP", False), "be2": ("UP", True)}


def test_rollback_both_tiers_under_load():
    outcomes, summary = under_load("rollback, backend then frontends",
                                   [lambda: deploy("backend", None, "rollback"), lambda: deploy("app", None, "rollback")])
    assert [rc for rc, _output in outcomes] == [0, 0], outcomes[-1][1][-3000:]
    assert versions() == ({"1.0.0"}, {"1.0.0"})
    assert failure_share(summary) < 0.002, summary
    assert summary["codes"].keys() <= {"200", "502"}, summary
    wait_for(lambda: {a["frontend_version"] for a in answers(10)} == {"1.0.0"}, "1.0.0 served")
