"""Helpers for the grow scenario, which starts as one host: its address, the app through haproxy, SQL on its database."""
import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    CONTAINER_PREFIX as PREFIX, EPHEMERAL_DIR, docker, hosts_with_changes, node, playbook_under_load, run_playbook,
    shape_inventory, wait_for,
)

HOST = "one1"
ADDRESS = "10.231.35.11"
ARTIFACTS = os.path.join(EPHEMERAL_DIR, "artifacts")
BUILD = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "examples", "demo_app", "build.sh")


def get(path, timeout=5):
    """(status, body) of one GET through haproxy on the host's own address; status 0 when nothing answered."""
    try:
        with urllib.request.urlopen("http://%s%s" % (ADDRESS, path), timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def post_note(body):
    request = urllib.request.Request("http://%s/notes" % ADDRESS, data=json.dumps({"body": body}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 201
        return json.loads(response.read())["id"]


def artifact(version):
    """Build (once) the demo app's artifact for version; return its path."""
    path = os.path.join(ARTIFACTS, "demo-%s.tar.gz" % version)
    if not os.path.exists(path):
        subprocess.run([BUILD, version, ARTIFACTS], check=True, capture_output=True, timeout=60)
    return path


def sql(query, database="demo"):
    result = docker("exec", PREFIX + HOST, "runuser", "-u", "postgres", "--", "psql", "-XAt", "-d", database, "-c", query)
    return result.stdout.strip()
