"""Helpers for the rails scenario (seeds 000 and 002's classroom): the VIP, the
app hosts' package, multipart uploads, the mail each host delivered."""
import json
import os
import subprocess
import sys
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    CONTAINER_PREFIX as PREFIX, EPHEMERAL_DIR, docker, node, playbook_under_load, run_playbook, wait_for,
)

VIP = "10.231.34.100"
APPS = {"app1": "10.231.34.21", "app2": "10.231.34.22"}
ARTIFACTS = os.path.join(EPHEMERAL_DIR, "artifacts")
BUILD = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "examples", "rails_classroom", "build-deb.sh")
FIGURES = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], ".work", "logs", "rails-figures.txt")


def artifact(version):
    """Build (once) classroom at version; return the package's path."""
    path = os.path.join(ARTIFACTS, "classroom_%s_all.deb" % version)
    if not os.path.exists(path):
        subprocess.run([BUILD, version, ARTIFACTS], check=True, capture_output=True, timeout=300)
    return path


def request(path, host=VIP, port=80, data=None, headers=None):
    """(status, headers, body bytes); status 0 when nothing answered."""
    req = urllib.request.Request("http://%s:%d%s" % (host, port, path), data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()
    except OSError:
        return 0, {}, b""


def upload(name, content, host=VIP, port=80):
    """POST content as a multipart file to /api/uploads: (status, JSON or body)."""
    boundary = uuid.uuid4().hex
    body = (("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
             "Content-Type: application/octet-stream\r\n\r\n" % (boundary, name)).encode()
            + content + ("\r\n--%s--\r\n" % boundary).encode())
    status, _headers, text = request("/api/uploads", host, port, body,
                                     {"Content-Type": "multipart/form-data; boundary=" + boundary})
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def haproxy_status(server, lb="lb1"):
    """The server's status in haproxy's backend app on lb (show stat field 17: UP, DOWN, MAINT...)."""
    out = docker("exec", PREFIX + lb, "sh", "-c",
                 "echo 'show stat app 4 -1' | socat -t 2 - UNIX-CONNECT:/run/haproxy/admin.sock").stdout
    rows = [line.split(",") for line in out.splitlines() if line.startswith("app,%s," % server)]
    return rows[0][17] if rows and len(rows[0]) > 17 else None


def haproxy_state_changes(lb="lb1"):
    """haproxy's log of servers going up or down, for a failure's message."""
    return node(lb).run("journalctl -u haproxy --no-pager -o cat | grep -E 'is (UP|DOWN)' | tail -n 20").stdout


def installed(host):
    return node(host).run("dpkg-query -W -f '${Version}' classroom").stdout.strip()


def mailbox(host):
    """What postfix delivered to the local user classroom on host."""
    return node(host).run("cat /var/mail/classroom 2>/dev/null").stdout


def sql(query):
    result = docker("exec", PREFIX + "db1", "runuser", "-u", "postgres", "--", "psql", "-XAt", "-d", "classroom", "-c", query)
    return result.stdout.strip()


def under_load(what, *args):
    """A playbook run under 20 req/s through the VIP, its figures kept in FIGURES."""
    return playbook_under_load(VIP, FIGURES, what, *args, all_hosts_up=True)
