"""Helpers for the etcd scenario: etcdctl as a host (with or without its
certificate), the status entry point, and the shared scenario helpers."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    EPHEMERAL_DIR, ansible_playbook, converge, hosts_with_changes,
    node, run_playbook, wait_for,
)

MEMBERS = ["db1", "db2", "db3"]
OUTSIDER = "app1"
ADDRESS = {"db1": "10.231.29.31", "db2": "10.231.29.32", "db3": "10.231.29.33", "app1": "10.231.29.21"}
CA = "/etc/hastack/tls/ca.crt"
CERT = "/etc/hastack/tls/host.crt"
KEY = "/etc/hastack/tls/host.key"


def url(host, port=2379, scheme="https"):
    return "%s://%s:%d" % (scheme, ADDRESS[host], port)


def etcdctl(host, *args, endpoints=None, cert=True):
    """etcdctl on host against endpoints (default: host's own), with its certificate or with the CA only."""
    endpoints = endpoints or [url(host)]
    tls = ["--cacert", CA] + (["--cert", CERT, "--key", KEY] if cert else [])
    command = ["etcdctl", "--dial-timeout=3s", "--command-timeout=5s", "--endpoints=" + ",".join(endpoints)] + tls + list(args)
    return node(host).run(" ".join(["%s"] * len(command)), *command)


def etcdctl_json(host, *args, endpoints=None):
    result = etcdctl(host, *args, "--write-out=json", endpoints=endpoints)
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout), result


def all_urls():
    return [url(member) for member in MEMBERS]


def healthy(host, endpoints=None):
    """{endpoint: bool} from etcdctl endpoint health."""
    health = etcdctl_json(host, "endpoint", "health", endpoints=endpoints or all_urls())[0]
    return {entry["endpoint"]: entry["health"] for entry in health}


def status_report(host="db1"):
    """etcd_status as the role's status entry point registers it, from host, in check mode."""
    playbook = os.path.join(EPHEMERAL_DIR, "etcd_status.yml")
    with open(playbook, "w") as handle:
        handle.write(
            "- hosts: %s\n  gather_facts: false\n  tasks:\n"
            "    - ansible.builtin.include_role: {name: hastack.platform.etcd, tasks_from: status}\n"
            "    - ansible.builtin.copy: {content: '{{ etcd_status | to_json }}', dest: '%s/etcd_status.json', mode: '0600'}\n"
            "      delegate_to: localhost\n      check_mode: false\n" % (host, EPHEMERAL_DIR))
    rc, output = ansible_playbook(playbook, "--check", timeout=300)
    assert rc == 0, output[-3000:]
    with open(os.path.join(EPHEMERAL_DIR, "etcd_status.json")) as handle:
        return json.load(handle), output


def extra_inventory(name, content, host_vars=None):
    """An inventory source added after the scenario's; host_vars beside it win over the scenario's."""
    directory = os.path.join(EPHEMERAL_DIR, name)
    os.makedirs(os.path.join(directory, "host_vars"), exist_ok=True)
    path = os.path.join(directory, "hosts.yml")
    with open(path, "w") as handle:
        handle.write(content)
    for host, text in (host_vars or {}).items():
        with open(os.path.join(directory, "host_vars", host + ".yml"), "w") as handle:
            handle.write(text)
    return path
