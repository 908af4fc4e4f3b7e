"""Helpers for the backup scenario: SQL on the db hosts, pgBackRest on the
repository host, and the collection's playbooks."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    CONTAINER_PREFIX as PREFIX, docker, hosts_with_changes, node, pg_version, run_playbook, wait_for,
)

DBS = ["db1", "db2"]
REPO_HOST = "ops1"
ADDRESS = {"db1": "10.231.27.31", "db2": "10.231.27.32", "ops1": "10.231.27.41"}


def sql(host, query, database="shop"):
    result = docker("exec", PREFIX + host, "runuser", "-u", "postgres", "--", "psql", "-XAtq", "-v", "ON_ERROR_STOP=1",
                    "-d", database, "-c", query)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def pgbackrest(*args, host=REPO_HOST):
    return node(host).run("runuser -u postgres -- pgbackrest --stanza=main " + " ".join(args))


def info():
    result = pgbackrest("--output=json", "info")
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)[0]


def backups(repo):
    return [b for b in info().get("backup", []) if b["database"]["repo-key"] == repo]


def primary():
    roles = {host: sql(host, "SELECT pg_is_in_recovery()", "postgres") for host in DBS}
    primaries = [host for host, in_recovery in roles.items() if in_recovery == "f"]
    assert len(primaries) == 1, roles
    return primaries[0]
