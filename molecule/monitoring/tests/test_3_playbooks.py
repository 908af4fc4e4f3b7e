"""The playbooks that meet the monitoring: maintenance.yml silences what the maintenance page
brings, status.yml names what fires."""
from conftest import ALERTMANAGER, api, run_playbook


def our_silences():
    return [s for s in api(ALERTMANAGER + "/api/v2/silences")
            if s["status"]["state"] == "active" and s["createdBy"] == "hastack.platform maintenance.yml"]


def test_maintenance_on_silences_the_app_and_front_door_alerts_and_off_ends_it():
    rc, output = run_playbook("maintenance", "-e", "state=on")
    assert rc == 0, output[-3000:]
    silences = our_silences()
    assert len(silences) == 1
    matcher = silences[0]["matchers"][0]
    assert matcher["name"] == "alertname" and matcher["isRegex"]
    assert set(matcher["value"].split("|")) == {"AppServerDown", "BackendWithoutServer", "FrontDoorErrors",
                                                "FrontDoorSlow"}
    # Asked twice, still one silence.
    rc, output = run_playbook("maintenance", "-e", "state=on")
    assert rc == 0 and len(our_silences()) == 1, output[-3000:]
    rc, output = run_playbook("maintenance", "-e", "state=off")
    assert rc == 0, output[-3000:]
    assert our_silences() == []


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
