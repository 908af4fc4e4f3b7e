"""Helpers for the postgresql scenario: run SQL and playbooks on the real hosts."""
import os
import subprocess

import testinfra

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
SCENARIO = os.environ["MOLECULE_SCENARIO_DIRECTORY"]


def node(name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=INVENTORY)


def sql(name, query, database="postgres"):
    """Run one query as postgres on a host; return stdout rows, '|'-separated."""
    result = node(name).run("runuser -u postgres -- psql -X -At -d %s -c %s", database, query)
    assert result.rc == 0, result.stderr
    return result.stdout.strip()


def converge(*extra_args):
    """Run the scenario's converge playbook; return (rc, output)."""
    result = subprocess.run(
        ["ansible-playbook", "-i", INVENTORY, os.path.join(SCENARIO, "converge.yml"), *extra_args],
        capture_output=True, text=True, timeout=900, check=False,
    )
    return result.returncode, result.stdout + result.stderr


def hosts_with_changes(output):
    return [line.split()[0] for line in output.splitlines() if " : ok=" in line and "changed=0 " not in line]
