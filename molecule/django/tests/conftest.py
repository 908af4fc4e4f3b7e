"""Helpers for the django scenario (seed 003's speedy): the VIP, the app
hosts' packages, haproxy's PostgreSQL counters, and a bounded load generator."""
import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    CONTAINER_PREFIX as PREFIX, EPHEMERAL_DIR, docker, node, playbook_under_load, run_playbook, wait_for,
)

VIP = "10.231.33.100"
APPS = ["app1", "app2"]
PACKAGES = ["speedy-app", "speedy-notifier", "speedy-jobs"]
ARTIFACTS = os.path.join(EPHEMERAL_DIR, "artifacts")
BUILD = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "examples", "django_speedy", "build-debs.sh")
FIGURES = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], ".work", "logs", "django-figures.txt")


def artifact(name, version):
    """Build (once) speedy's three packages at version; return name's path."""
    path = os.path.join(ARTIFACTS, "%s_%s_all.deb" % (name, version))
    if not os.path.exists(path):
        subprocess.run([BUILD, version, ARTIFACTS], check=True, capture_output=True, timeout=120)
    return path


def release_args(version):
    """-e arguments that deploy speedy at version (its three packages)."""
    extras = [{"name": name, "artifact": artifact(name, version)} for name in PACKAGES[1:]]
    return ["-e", "app_version=%s" % version, "-e", "app_artifact=%s" % artifact("speedy-app", version),
            "-e", json.dumps({"app_extra_packages": extras})]


def request(path, body=None, host=VIP):
    """(status, text) of a GET, or of a JSON POST with body; status 0 when nothing answered."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request("http://%s%s" % (host, path), data=data,
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def installed(host):
    """{package: version} of speedy's packages on host."""
    out = node(host).run("dpkg-query -W -f '${Package} ${Version}\\n' %s" % " ".join(PACKAGES)).stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


def haproxy_sessions(frontend, lb="lb1"):
    """Total sessions haproxy's frontend has taken (show stat field 7, stot)."""
    out = docker("exec", PREFIX + lb, "sh", "-c",
                 "echo 'show stat %s 1 -1' | socat -t 2 - UNIX-CONNECT:/run/haproxy/admin.sock" % frontend).stdout
    rows = [line.split(",") for line in out.splitlines() if line.startswith(frontend + ",FRONTEND,")]
    return int(rows[0][7]) if rows else -1


def sql(query):
    result = docker("exec", PREFIX + "db1", "runuser", "-u", "postgres", "--", "psql", "-XAt", "-d", "speedy", "-c", query)
    return result.stdout.strip()


def under_load(what, *args):
    """A playbook run under 20 req/s through the VIP, its figures kept in FIGURES."""
    return playbook_under_load(VIP, FIGURES, what, *args, all_hosts_up=True)
