"""Helpers for the inputs scenario: the hosts, and check.yml or site.yml with bad input."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    INVENTORY, hosts_with_changes, node, run_playbook,
)

HOSTS = ["lb1", "app1", "db1", "ops1"]
ADDRESS = {"lb1": "10.231.28.11", "app1": "10.231.28.21", "db1": "10.231.28.31", "ops1": "10.231.28.41"}


def failures(output):
    """{host: the message of its failed task} from the default callback's 'fatal: [host]: FAILED! => {...}' lines."""
    found = {}
    for line in re.sub("\x1b\\[[0-9;]*m", "", output).splitlines():
        if line.startswith("fatal: [") and "FAILED!" in line:
            host = line[len("fatal: ["):line.index("]")].split(" ")[0]
            found[host] = line
    return found
