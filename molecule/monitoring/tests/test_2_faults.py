"""Real faults, each named alert in root's mailbox and at the webhook, then its resolution.

Each test breaks several things at once (on different hosts, so that one fault's alert
cannot hide another's), waits for every notification, undoes the faults and waits for
every resolution. Times from fault to webhook post go to .work/logs/monitoring-figures.txt."""
import os
import re

from conftest import (ADDRESS, MON, firing, mailed, node, notified, now, query, rendered,
                      screenshot, wait_for)
from scenario_helpers import power_off, power_on

FIGURES = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], ".work", "logs", "monitoring-figures.txt")
THRESHOLDS = "/etc/prometheus/hastack-rules/thresholds.yml"
# for (1m at most) + two scrapes + group_wait + evaluation, with room for a busy machine.
NOTIFY_TIMEOUT = 180
RESOLVE_TIMEOUT = 240
# When the failover test killed the leader: its alert resolves later.
FAILOVER = {}


def record(line):
    os.makedirs(os.path.dirname(FIGURES), exist_ok=True)
    with open(FIGURES, "a") as handle:
        handle.write(line + "\n")


def quiet(expected):
    """None of the alerts a test expects is firing yet: each will be news, not a repeat. (Others may
    still fire: the front door's error rate, say, looks back 5 minutes.)"""
    def matches():
        return [(name, labels) for name, labels in expected for alert in firing(name)
                if all(alert.get(k) == v for k, v in labels.items())]
    wait_for(lambda: not matches(), "none of %s firing before the faults" % [n for n, _l in expected],
             timeout=240, every=5)


def leader_and_replica():
    """The leader and the one replica, once both run (a former leader may still be rejoining)."""
    def both():
        leader = [m["instance"] for m, _v in query("patroni_primary == 1")]
        replica = [m["instance"] for m, _v in query("patroni_replica == 1 and patroni_postgres_running == 1")]
        return (leader[0], replica[0]) if len(leader) == 1 and len(replica) == 1 else None
    return wait_for(both, "a leader and a running replica", timeout=180, every=2)


def expect_notifications(expected, since, status, since_what=None):
    """Wait until each (alertname, labels) is posted to the webhook and mailed with `status`; `since`
    is the fault (firing) or the repair (resolved) unless `since_what` names it."""
    since_what = since_what or ("the fault" if status == "firing" else "the repair")
    timeout = NOTIFY_TIMEOUT if status == "firing" else RESOLVE_TIMEOUT
    for alertname, labels in expected:
        message = wait_for(lambda: notified(alertname, status, since, **labels),
                           "%s %s %s at the webhook" % (alertname, labels, status), timeout=timeout, every=2)
        wait_for(lambda: mailed(alertname, status, since), "%s %s in root's mailbox" % (alertname, status),
                 timeout=60, every=2)
        record("%-28s %-34s %-8s %5.0f s after %s" % (alertname, ",".join("%s=%s" % i for i in labels.items()),
                                                      status, message["received_at"] - since, since_what))


def shell(host, command):
    result = node(host).run(command)
    assert result.rc == 0, "%s on %s: %s" % (command, host, result.stderr)
    return result.stdout


def write_file(host, path, content):
    assert node(host).run("cat > %s <<'HASTACK_EOF'\n%sHASTACK_EOF" % (path, content)).rc == 0


def test_primary_vip_holder_and_a_monitoring_host_killed():
    """First: its failover alert stays 5 minutes, and resolves while the next test runs. mon1 dies
    with the others: mon2 alone sees and tells everything."""
    leader, replica = leader_and_replica()
    expected = [
        ("HostDown", {"instance": leader}),
        ("HostDown", {"instance": "lb1"}),
        ("HostDown", {"instance": "mon1"}),
        ("PostgreSQLFailover", {}),
        ("VIPNotHeld", {"vip": "web"}),
    ]
    quiet(expected)
    fault = now()
    mon1_hosts = power_off("mon1")
    leader_hosts = power_off(leader)
    lb1_hosts = power_off("lb1")
    try:
        expect_notifications(expected, fault, "firing")
        assert [m["instance"] for m, _v in query("patroni_primary == 1")] == [replica]
        # Nobody holds the VIP, so of course it does not answer: that is VIPNotHeld's page alone.
        # VIPDown's minute has passed (every alert above waited as long); its probe fails.
        wait_for(lambda: [v for _m, v in query('probe_success{job="vip_web"}')] == [0.0],
                 "the web VIP's probe failing", timeout=30, every=2)
        assert not firing("VIPDown") and notified("VIPDown", "firing", fault) is None
    finally:
        repair = now()
        power_on(leader, leader_hosts)
        power_on("lb1", lb1_hosts)
        power_on("mon1", mon1_hosts)
    expect_notifications([e for e in expected if e[0] != "PostgreSQLFailover"], repair, "resolved")
    FAILOVER["at"] = fault


def test_replica_down_app_host_stopped_archiving_cut_backups_old_disk_full_unit_failed():
    leader, replica = leader_and_replica()
    expected = [
        ("PostgreSQLDown", {"instance": replica}),
        ("HostDown", {"instance": "app1"}),
        ("BackendWithoutServer", {"instance": "lb1", "proxy": "app"}),
        ("PostgreSQLArchivingFailing", {"instance": leader}),
        ("BackupTooOld", {"backup_type": "full"}),
        ("DiskFull", {"instance": "ops1", "mountpoint": "/srv/scratch"}),
        ("UnitFailed", {"instance": "ops1", "name": "hastack-test-broken.service"}),
    ]
    quiet(expected)
    original_thresholds = node(MON).file(THRESHOLDS).content_string
    fault = now()
    # A replica's PostgreSQL: Patroni stopped, so nothing starts it again.
    shell(replica, "systemctl stop patroni")
    # The only app host, powered off.
    app1_hosts = power_off("app1", how="stop")
    # WAL archiving: the repository host refuses the leader's SSH; a segment switch tries at once.
    shell("ops1", "nft insert rule inet hastack input ip saddr %s tcp dport 22 reject comment test-cut" % ADDRESS[leader])
    shell(leader, "runuser -u postgres -- psql -qAtc 'create table if not exists t (i int); insert into t values (1); "
                  "select pg_switch_wal()' demo")
    # Backups: the timers stopped, and the full backup allowed to be 1 s old.
    timers = shell("ops1", "systemctl list-units --plain --no-legend --state=active 'hastack-pgbackrest-*.timer' "
                           "| cut -d' ' -f1").split()
    assert timers
    shell("ops1", "systemctl stop " + " ".join(timers))
    short = re.sub(r"vector\(\d+\)(\n\s+labels: \{backup_type: full\})", r"vector(1)\1", original_thresholds)
    assert short != original_thresholds
    write_file(MON, THRESHOLDS, short)
    shell(MON, "systemctl reload prometheus")
    # A disk: a 16 MB scratch filesystem filled to 97 % (not under /mnt or /run, which the node
    # exporter leaves out by default).
    shell("ops1", "mkdir -p /srv/scratch && mount -t tmpfs -o size=16m scratch /srv/scratch "
                  "&& fallocate -l 15500k /srv/scratch/fill")
    # A unit that fails.
    node("ops1").run("systemd-run --unit=hastack-test-broken --property=Type=oneshot /bin/false")
    try:
        expect_notifications(expected, fault, "firing")
        # The overview shows the leader and what fires; a screenshot goes with the test logs.
        page = rendered("/consoles/hastack.html")
        assert "leader %s" % leader in page and "HostDown" in page and "PostgreSQLDown" in page
        assert os.path.getsize(screenshot("/consoles/hastack.html", "monitoring-overview.png")) > 10000
        # app1's health check fails too, but its host being down says it all: inhibited.
        assert {"alertname": "AppServerDown", "instance": "app1"}.items() <= \
            next(iter(a for a in firing("AppServerDown")), {}).items()
        assert notified("AppServerDown", "firing", fault) is None
    finally:
        repair = now()
        node("ops1").run("systemctl reset-failed hastack-test-broken.service")
        node("ops1").run("umount /srv/scratch")
        write_file(MON, THRESHOLDS, original_thresholds)
        node(MON).run("systemctl reload prometheus")
        node("ops1").run("systemctl start " + " ".join(timers))
        handles = node("ops1").run("nft -a list chain inet hastack input | sed -n 's/.*test-cut.*# handle //p'").stdout
        for handle in handles.split():
            node("ops1").run("nft delete rule inet hastack input handle %s" % handle)
        node(replica).run("systemctl start patroni")
        power_on("app1", app1_hosts)
    expect_notifications(expected, repair, "resolved")


def test_the_failover_alert_resolves_and_the_stack_is_quiet_again():
    assert "at" in FAILOVER, "the failover test did not get this far"
    # It looks back 5 minutes for a new timeline: resolved about 5 minutes after the promotion.
    expect_notifications([("PostgreSQLFailover", {})], FAILOVER["at"], "resolved", "the fault")
    # ClockNotSynchronised: see test_1 (the kernel clock these containers share).
    wait_for(lambda: not [a for a in firing() if a["alertname"] != "ClockNotSynchronised"],
             "no alert firing", timeout=420, every=5)
    leader, replica = leader_and_replica()
    assert {leader, replica} == {"db1", "db2"}
