"""Helpers for the logging scenario: the hosts, the log server's tree, and
numbered messages sent through journald as any service's would be."""
import os
import sys

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from scenario_helpers import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    EPHEMERAL_DIR, converge, hosts_with_changes, node, wait_for,
)

SERVER = "log1"
CLIENTS = ["web1", "web2"]
HOSTS = [SERVER] + CLIENTS
SERVER_ADDRESS = "10.231.26.41"
REMOTE = "/var/log/remote"


def remote_file(host, program):
    return "%s/%s/%s.log" % (REMOTE, host, program)


def server_grep(pattern, path, recursive=False):
    """Lines of path on the server that contain pattern (fixed string)."""
    result = node(SERVER).run("grep -hF %s -- %s %s 2>/dev/null", "-r" if recursive else "-s", pattern, path)
    return result.stdout.splitlines()
