"""Backups on the one host: pgBackRest keeps repo1 on a second disk and repo2 on another mount,
archives and backs up locally (no SSH to itself), and a restore drill of each repository passes
beside the running database without touching it."""
import json

import pytest

from conftest import HOST, node, post_note, run_playbook, sql


def pgbackrest(*args):
    return node(HOST).run("runuser -u postgres -- pgbackrest --stanza=main %s" % " ".join(args))


def test_each_repository_has_a_filesystem_of_its_own_apart_from_the_data():
    host = node(HOST)

    def mount_of(path):
        return host.check_output("findmnt -n -o TARGET -T %s" % path)

    assert mount_of("/var/lib/pgbackrest") == "/var/lib/pgbackrest"
    assert mount_of("/mnt/offsite/pgbackrest") == "/mnt/offsite"
    assert mount_of("/var/lib/postgresql") not in ("/var/lib/pgbackrest", "/mnt/offsite")


def test_the_host_backs_itself_up_without_ssh_to_itself():
    host = node(HOST)
    config = host.file("/etc/pgbackrest/pgbackrest.conf").content_string
    assert "pg1-path=" in config
    assert "pg1-host" not in config and "repo1-host" not in config
    assert host.file("/etc/ssh/authorized_keys/postgres").content_string.count("ssh-ed25519") == 0


@pytest.mark.parametrize("repo", [1, 2])
def test_each_repository_holds_a_full_backup_and_the_archive(repo):
    result = pgbackrest("--output=json", "--repo=%d" % repo, "info")
    assert result.rc == 0, result.stderr
    stanza = json.loads(result.stdout)[0]
    assert stanza["status"]["code"] == 0, stanza["status"]
    assert [backup["type"] for backup in stanza["backup"]][:1] == ["full"]


def test_a_committed_write_reaches_both_repositorys_archive():
    post_note("archived on one host")
    check = pgbackrest("check")
    assert check.rc == 0, check.stderr


@pytest.mark.parametrize("repo", [1, 2])
def test_a_restore_drill_of_each_repository_passes_beside_the_running_database(repo):
    before = sql("SELECT count(*) FROM notes")
    rc, output = run_playbook("restore_drill", "-e", "repo=%d" % repo, all_hosts_up=True)
    assert rc == 0, output[-3000:]
    assert "Restore drill passed for repository %d" % repo in output
    assert "canary found" in output
    # The production cluster kept running and serving throughout.
    assert sql("SELECT count(*) FROM notes") == before
    assert node(HOST).run("ls -A /var/lib/pgbackrest-drill").stdout == ""
