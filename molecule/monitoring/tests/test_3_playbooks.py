"""The playbooks that meet the monitoring: maintenance.yml silences what the maintenance page
brings (in the whole Alertmanager cluster), status.yml names what fires; both go on through
mon2 while mon1 is frozen."""
from conftest import ADDRESS, ALERTMANAGER, MONITORING_HOSTS, PREFIX, api, docker, run_playbook, wait_for


def our_silences(host):
    return [s for s in api("http://%s:9093/api/v2/silences" % ADDRESS[host])
            if s["status"]["state"] == "active" and s["createdBy"] == "hastack.platform maintenance.yml"]


def silences_everywhere(count):
    """Wait until each Alertmanager of the cluster holds `count` of our silences (gossip takes a
    moment); mon2's."""
    def settled():
        found = {host: our_silences(host) for host in MONITORING_HOSTS}
        return found if all(len(silences) == count for silences in found.values()) else None
    return wait_for(settled, "%d maintenance silence(s) on each of %s" % (count, MONITORING_HOSTS),
                    timeout=30, every=1)["mon2"]


def test_maintenance_on_silences_the_app_and_front_door_alerts_and_off_ends_it():
    rc, output = run_playbook("maintenance", "-e", "state=on")
    assert rc == 0, output[-3000:]
    silences = silences_everywhere(1)
    matcher = silences[0]["matchers"][0]
    assert matcher["name"] == "alertname" and matcher["isRegex"]
    assert set(matcher["value"].split("|")) == {"AppServerDown", "BackendWithoutServer", "FrontDoorErrors",
                                                "FrontDoorSlow"}
    # Asked twice, still one silence.
    rc, output = run_playbook("maintenance", "-e", "state=on")
    assert rc == 0, output[-3000:]
    silences_everywhere(1)
    rc, output = run_playbook("maintenance", "-e", "state=off")
    assert rc == 0, output[-3000:]
    silences_everywhere(0)


def test_status_names_the_alerts_firing():
    rc, output = run_playbook("status")
    assert rc == 0, output[-3000:]
    line = next(part for part in output.split('"') if part.startswith("alerts firing: "))
    notified = api(ALERTMANAGER + "/api/v2/alerts?active=true&silenced=false&inhibited=false")
    names = sorted({a["labels"]["alertname"] for a in notified})
    if names:
        assert all(name in line for name in names), (line, names)
    else:
        assert line == "alerts firing: none"


def test_a_frozen_monitoring_host_is_passed_over():
    # Frozen, not dead (docker pause): through the test's docker connection every exec into it fails.
    assert docker("pause", PREFIX + "mon1").returncode == 0
    try:
        rc, output = run_playbook("maintenance", "-e", "state=on")
        assert rc == 0, output[-3000:]
        assert len(our_silences("mon2")) == 1
        rc, output = run_playbook("status")
        assert rc == 0, output[-3000:]
        assert '"alerts firing: ' in output, output[-3000:]
        rc, output = run_playbook("maintenance", "-e", "state=off")
        assert rc == 0, output[-3000:]
        assert our_silences("mon2") == []
    finally:
        assert docker("unpause", PREFIX + "mon1").returncode == 0
