"""Helpers for the monitoring scenario: Prometheus's answers, and what reached root's
mailbox and the webhook on the monitoring hosts. The tests ask mon2, which they never kill;
notifications may come from either host's Alertmanager (the cluster sends each once)."""
import email
import json
import mailbox
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    CONTAINER_PREFIX as PREFIX, converge, docker, node, run_playbook, wait_for,
)

MON = "mon2"
MONITORING_HOSTS = ("mon1", "mon2")
ADDRESS = {"lb1": "10.231.31.11", "app1": "10.231.31.21", "db1": "10.231.31.31", "db2": "10.231.31.32",
           "ops1": "10.231.31.41", "mon1": "10.231.31.51", "mon2": "10.231.31.52"}
WEB_VIP = "10.231.31.100"
PROMETHEUS = "http://%s:9090" % ADDRESS[MON]
ALERTMANAGER = "http://%s:9093" % ADDRESS[MON]
WEBHOOK_LOG = "/var/lib/webhook/alerts.jsonl"
MAILBOX = "/var/mail/root"


def api(url, **params):
    """GET a Prometheus or Alertmanager API URL from mon2; the decoded JSON."""
    query = ("?" + urllib.parse.urlencode(params)) if params else ""
    result = node(MON).run("curl -sf -m 10 %s", url + query)
    assert result.rc == 0, "GET %s%s failed: %s" % (url, query, result.stderr)
    return json.loads(result.stdout)


def query(expr):
    """An instant query: [(labels, value)]."""
    data = api(PROMETHEUS + "/api/v1/query", query=expr)["data"]["result"]
    return [(item["metric"], float(item["value"][1])) for item in data]


def firing(alertname=None):
    """Alerts Prometheus has firing (pending ones left out): [labels]."""
    alerts = api(PROMETHEUS + "/api/v1/alerts")["data"]["alerts"]
    return [a["labels"] for a in alerts
            if a["state"] == "firing" and (alertname is None or a["labels"]["alertname"] == alertname)]


def on_monitoring_hosts(path):
    """The file at `path` on each monitoring host that runs (a killed one has nothing to say)."""
    return [docker("exec", PREFIX + host, "cat", path).stdout for host in MONITORING_HOSTS]


def webhook_messages():
    """What the Alertmanagers posted to their webhooks, oldest first."""
    messages = [json.loads(line) for content in on_monitoring_hosts(WEBHOOK_LOG)
                for line in content.splitlines() if line.strip()]
    return sorted(messages, key=lambda message: message["received_at"])


def notified(alertname, status, since, **labels):
    """The first webhook post since `since` (epoch s) saying `alertname` with these labels is
    `status` (firing or resolved); None if there is none yet."""
    for message in webhook_messages():
        if message["received_at"] < since:
            continue
        for alert in message["alerts"]:
            if (alert["labels"].get("alertname") == alertname and alert["status"] == status
                    and all(alert["labels"].get(k) == v for k, v in labels.items())):
                return message
    return None


def mail_subjects(since):
    """Subjects of the mails in root's mailbox delivered at or after `since` (epoch s)."""
    subjects = []
    for content in on_monitoring_hosts(MAILBOX):
        with tempfile.NamedTemporaryFile("w", delete=False) as handle:
            handle.write(content)
        try:
            for message in mailbox.mbox(handle.name):
                delivered = email.utils.parsedate_to_datetime(message["Date"]).timestamp()
                if delivered >= since - 1:
                    subjects.append(" ".join(str(message["Subject"]).split()))
        finally:
            os.unlink(handle.name)
    return subjects


def mailed(alertname, status, since):
    """A mail since `since` whose subject says `alertname` is FIRING or RESOLVED."""
    tag = "[FIRING" if status == "firing" else "[RESOLVED]"
    return [s for s in mail_subjects(since) if s.startswith(tag) and " %s " % alertname in s + " "]


def now():
    return time.time()


CHROMIUM = ("chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
            "--disable-component-update --disable-sync --no-first-run --user-data-dir=$(mktemp -d)")


def rendered(path):
    """The console page at `path` as headless Chromium on mon1 renders it (its DOM)."""
    result = node(MON).run("%s --dump-dom %s 2>/dev/null" % (CHROMIUM, PROMETHEUS + path))
    assert result.rc == 0, result.stderr
    return result.stdout


def screenshot(path, name):
    """A PNG of the page, saved with the test logs (.work/logs/<name>); returns its local path.
    (Read back with cat: `docker cp` does not see the container's /tmp, a tmpfs.)"""
    logs = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], ".work", "logs")
    os.makedirs(logs, exist_ok=True)
    result = node(MON).run("%s --window-size=1280,1800 --screenshot=/tmp/%s %s 2>/dev/null"
                           % (CHROMIUM, name, PROMETHEUS + path))
    assert result.rc == 0, result.stderr
    png = subprocess.run(["docker", "exec", PREFIX + MON, "cat", "/tmp/" + name], capture_output=True,
                         timeout=60, check=False)
    assert png.returncode == 0 and png.stdout.startswith(b"\x89PNG"), png.stderr
    with open(os.path.join(logs, name), "wb") as handle:
        handle.write(png.stdout)
    return os.path.join(logs, name)
