"""What every scenario's testinfra tests need: the hosts, the converge and
other playbooks, docker, and bounded waits. Imported by each conftest.py."""
import json
import os
import subprocess
import time

import testinfra
import yaml

from http_load import Load

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
SCENARIO_DIR = os.environ["MOLECULE_SCENARIO_DIRECTORY"]
EPHEMERAL_DIR = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
CONTAINER_PREFIX = os.environ["MOLECULE_SCENARIO_NAME"] + "-"


def node(name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=INVENTORY)


# What each Debian release ships; the role derives the same from the host's facts.
POSTGRESQL_BY_DEBIAN = {"12": "15", "13": "17"}


def debian(name):
    """Host `name`'s Debian major version ("12", "13")."""
    return node(name).file("/etc/debian_version").content_string.split(".")[0].strip()


def pg_version(name):
    """The PostgreSQL major version host `name` must run: its Debian release's."""
    return POSTGRESQL_BY_DEBIAN[debian(name)]


def secret(name):
    """A secret the scenario generated into its ephemeral directory."""
    with open(os.path.join(EPHEMERAL_DIR, name)) as handle:
        return handle.read().split()[0]


def ansible_playbook(playbook, *extra_args, timeout=900, mitogen=True, inventory=None):
    """Run a playbook against the scenario's hosts; return (rc, output). mitogen=False runs it with
    Ansible's own strategy, as users do, whatever run-tests.sh chose for converges. inventory replaces
    the scenario's (shape_inventory)."""
    env = dict(os.environ)
    if not mitogen:
        for name in ("ANSIBLE_STRATEGY", "ANSIBLE_STRATEGY_PLUGINS"):
            env.pop(name, None)
    result = subprocess.run(
        ["ansible-playbook", "-i", inventory or INVENTORY, playbook, *extra_args],
        capture_output=True, text=True, timeout=timeout, check=False, env=env,
    )
    return result.returncode, result.stdout + result.stderr


def converge(*extra_args):
    return ansible_playbook(os.path.join(SCENARIO_DIR, "converge.yml"), *extra_args)


def run_playbook(name, *extra_args, all_hosts_up=False, inventory=None):
    """One of the collection's playbooks, by its FQCN, run as users run it: Ansible's own strategy,
    which is what meets dead, frozen and cut-off hosts. all_hosts_up=True (a run where every host is
    up and reachable) keeps Mitogen, as converges do: the playbook's logic is the same, each task
    costs less. The bound catches a hung run, not a slow one: restore.yml took over 300 s in a loaded
    CI run."""
    return ansible_playbook("hastack.platform." + name, *extra_args, timeout=900, mitogen=all_hosts_up,
                            inventory=inventory)


def shape_inventory(name, groups):
    """The scenario's inventory with its groups edited, as a user edits theirs: the same hosts, host and
    group variables (it lies beside the scenario's, so their group_vars and host_vars apply), with
    groups ({group: [host]}) in place of the scenario's groups of those names. Returns its path."""
    with open(INVENTORY, encoding="utf-8") as handle:
        inventory = yaml.safe_load(handle)
    hosts = inventory["all"]["hosts"]
    for group, members in groups.items():
        inventory[group] = {"hosts": {host: hosts[host] for host in members}}
    path = os.path.join(os.path.dirname(INVENTORY), "shape-%s.yml" % name)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(inventory, handle)
    return path


def playbook_under_load(vip, figures, what, *args, rate=20, all_hosts_up=False):
    """run_playbook(*args) while `rate` req/s ask for / through vip; (rc, output, load summary). The
    summary is appended to the file figures as a JSON line named what."""
    with Load(vip, "/", rate=rate, threads=4, max_seconds=400, timeout=15) as load:
        rc, output = run_playbook(*args, all_hosts_up=all_hosts_up)
    summary = load.summary()
    with open(figures, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(dict(what=what, **summary)) + "\n")
    return rc, output, summary


def hosts_with_changes(output):
    return [line.split()[0] for line in output.splitlines() if " : ok=" in line and "changed=0 " not in line]


def docker(*args):
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, check=False)


def wait_for(predicate, what, timeout=30.0, every=0.25):
    """Poll until predicate() is truthy and return its value; fail after timeout s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))


def vip_holder(vip, lbs):
    """The host of lbs whose eth0 carries vip (a running keepalived proves nothing), or None."""
    for name in lbs:
        result = docker("exec", CONTAINER_PREFIX + name, "ip", "-4", "-o", "addr", "show", "dev", "eth0")
        if result.returncode == 0 and " %s/" % vip in result.stdout:
            return name
    return None


def power_off(name, how="kill"):
    """Stop a host as a power cut would (kill) or a clean shutdown (stop); return its /etc/hosts,
    which docker rewrites when the container starts again (a real host keeps it)."""
    hosts = docker("exec", CONTAINER_PREFIX + name, "cat", "/etc/hosts").stdout
    assert "hastack.platform" in hosts
    assert docker(*(["kill"] if how == "kill" else ["stop", "-t", "5"]), CONTAINER_PREFIX + name).returncode == 0
    return hosts


def power_on(name, hosts):
    assert docker("start", CONTAINER_PREFIX + name).returncode == 0
    result = subprocess.run(["docker", "exec", "-i", CONTAINER_PREFIX + name, "sh", "-c", "cat > /etc/hosts"],
                            input=hosts, text=True, capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    wait_for(lambda: docker("exec", CONTAINER_PREFIX + name, "systemctl", "is-system-running").stdout.strip()
             in ("running", "degraded"), "%s booted" % name, timeout=120, every=1)
