"""Helpers for the postgresql scenario: run SQL and playbooks on the real hosts."""
import os
import sys

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import converge, hosts_with_changes, node, wait_for  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import


def sql(name, query, database="postgres"):
    """Run one query as postgres on a host; return stdout rows, '|'-separated."""
    result = node(name).run("runuser -u postgres -- psql -X -At -d %s -c %s", database, query)
    assert result.rc == 0, result.stderr
    return result.stdout.strip()
