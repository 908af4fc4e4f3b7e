"""Helpers for the twotier scenario (seed 001): the VIP, the tiers, haproxy's
view of each, the Go example's packages, and a bounded load generator."""
import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    CONTAINER_PREFIX as PREFIX, EPHEMERAL_DIR, docker, node, power_off, power_on, run_playbook, vip_holder, wait_for,
)
from http_load import Load  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import

VIP = "10.231.32.100"
LBS = ["lb1", "lb2"]
FRONTENDS = ["fe1", "fe2", "fe3", "fe4", "fe5"]
BACKENDS = ["be1", "be2"]
ADDRESS = dict([("fe%d" % n, "10.231.32.2%d" % n) for n in range(1, 6)] + [("be1", "10.231.32.31"), ("be2", "10.231.32.32")])
ARTIFACTS = os.path.join(EPHEMERAL_DIR, "artifacts")
BUILD = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "examples", "go_twotier", "build-deb.sh")
ARCH = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()
FIGURES = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], ".work", "logs", "twotier-figures.txt")
# Seed 001: at least 50 req/s through one address, under 2 % failures.
RATE = 50


def package(name, version):
    """Build (once) gofront and goback at version; return name's package path."""
    path = os.path.join(ARTIFACTS, "%s_%s_%s.deb" % (name, version, ARCH))
    if not os.path.exists(path):
        subprocess.run([BUILD, version, ARTIFACTS], check=True, capture_output=True, timeout=300)
    return path


def deploy(tier, version, playbook="deploy"):
    """deploy.yml (or rollback.yml) for one tier: app (the frontends) or backend."""
    args = ["-e", "hastack_app_group=%s" % tier]
    if playbook == "deploy":
        name = "gofront" if tier == "app" else "goback"
        args += ["-e", "app_version=%s" % version, "-e", "app_artifact=%s" % package(name, version)]
    return run_playbook(playbook, *args, all_hosts_up=True)


def get(path="/", host=VIP, port=80):
    """(status, body) of one GET; status 0 when nothing answered."""
    try:
        with urllib.request.urlopen("http://%s:%d%s" % (host, port, path), timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def answers(requests=20):
    """The JSON answers of GET / through the VIP (the failed ones left out)."""
    seen = []
    for _request in range(requests):
        status, body = get()
        if status == 200:
            seen.append(json.loads(body))
    return seen


def states(backend, lb=None):
    """{server: (status, is_backup)} of one haproxy backend, as lb sees it (default: the VIP's holder)."""
    out = docker("exec", PREFIX + (lb or holder() or "lb1"), "sh", "-c",
                 "echo 'show stat %s 4 -1' | socat -t 2 - UNIX-CONNECT:/run/haproxy/admin.sock" % backend).stdout
    rows = [line.split(",") for line in out.splitlines() if line.startswith(backend + ",")]
    # show stat fields: 17 status, 20 bck
    return {fields[1]: (fields[17], fields[20] == "1") for fields in rows if len(fields) > 20 and fields[1] != "BACKEND"}


def holder():
    """The lb host whose eth0 carries the VIP."""
    return vip_holder(VIP, LBS)


def release(host, app):
    return node(host).run("readlink /srv/%s/current" % app).stdout.strip().rsplit("/", 1)[-1]


def record(what, summary):
    """A load's summary, for docs/examples-go.md's figures (never asserted on for speed)."""
    with open(FIGURES, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(dict(what=what, **summary)) + "\n")


def failure_share(summary):
    return summary["non_2xx"] / float(max(summary["requests"], 1))
