"""Helpers for the deploy scenario: the VIP, the app hosts' releases, haproxy's
view of them, artifacts of the demo app, and a bounded load generator."""
import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    CONTAINER_PREFIX as PREFIX, EPHEMERAL_DIR, ansible_playbook, docker, hosts_with_changes, node, run_playbook, secret,
    wait_for,
)
from http_load import Load  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import

VIP = "10.231.25.100"
APPS = ["app1", "app2"]
ADDRESS = {"app1": "10.231.25.21", "app2": "10.231.25.22", "app3": "10.231.25.23"}
ARTIFACTS = os.path.join(EPHEMERAL_DIR, "artifacts")
BUILD = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "examples", "demo_app", "build.sh")


def artifact(version, broken=False):
    """Build (once) the demo app's artifact for version; return its path."""
    path = os.path.join(ARTIFACTS, "demo-%s.tar.gz" % version)
    if not os.path.exists(path):
        subprocess.run([BUILD, version, ARTIFACTS] + (["--broken"] if broken else []), check=True,
                       capture_output=True, timeout=60)
    return path


def deploy(version, *extra_args, all_hosts_up=False):
    return run_playbook("deploy", "-e", "app_version=%s" % version, "-e", "app_artifact=%s" % artifact(version),
                        *extra_args, all_hosts_up=all_hosts_up)


def get(path, host=VIP, port=80):
    """(status, body) of one GET; status 0 when nothing answered."""
    try:
        with urllib.request.urlopen("http://%s:%d%s" % (host, port, path), timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def served_versions(requests=30):
    """{version: set of hosts} seen through the VIP."""
    seen = {}
    for _request in range(requests):
        status, body = get("/version")
        if status == 200:
            data = json.loads(body)
            seen.setdefault(data["version"], set()).add(data["host"])
    return seen


def release(host):
    """The version `current` points to on an app host."""
    return node(host).run("readlink /srv/demo/current").stdout.strip().rsplit("/", 1)[-1]


def app_states(lb="lb1"):
    """{server: status} of haproxy's app backend."""
    out = docker("exec", PREFIX + lb, "sh", "-c",
                 "echo 'show stat app 4 -1' | socat -t 2 - UNIX-CONNECT:/run/haproxy/admin.sock").stdout
    return {fields[1]: fields[17] for fields in (line.split(",") for line in out.splitlines())
            if len(fields) > 17 and fields[1] in APPS}


def sql(query, database="demo"):
    result = docker("exec", PREFIX + "db1", "runuser", "-u", "postgres", "--", "psql", "-XAt", "-d", database, "-c", query)
    return result.stdout.strip()
