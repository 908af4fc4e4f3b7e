"""restic: a file snapshotted by backup.yml comes back with restore_files.yml."""
import uuid

from conftest import ADDRESS, REPO_HOST, node, run_playbook

PROBE = "/etc/hastack-restore-probe"


def test_a_deleted_file_comes_back_from_the_snapshot():
    token = uuid.uuid4().hex
    db1 = node("db1")
    db1.run_expect([0], "echo %s > %s", token, PROBE)
    rc, output = run_playbook("backup", "-e", "what=files")
    assert rc == 0, output[-2000:]
    db1.run_expect([0], "rm %s", PROBE)

    rc, output = run_playbook("restore_files", "-e", "host=db1", "-e", "path=%s" % PROBE)
    assert rc != 0 and "Run it again with -e confirm=yes" in output
    assert not db1.file(PROBE).exists

    # -vvv shows every task's arguments and environment: the password is never among them.
    rc, output = run_playbook("restore_files", "-e", "host=db1", "-e", "path=%s" % PROBE, "-e", "confirm=yes", "-vvv")
    assert rc == 0, output[-2000:]
    assert db1.file(PROBE).content_string.strip() == token
    assert db1.file("/etc/hastack/restic/password").content_string not in output


def test_each_host_has_its_own_encrypted_repository_reached_by_sftp_only():
    repo = node(REPO_HOST)
    for host in ("db1", "db2"):
        assert repo.file("/var/lib/restic/%s/repo/config" % host).exists
        assert repo.file("/var/lib/restic/%s/repo" % host).user == "restic-%s" % host
        assert repo.file("/var/lib/restic/%s" % host).user == "root"
    # The key gets SFTP whatever it asks for: no command runs.
    attempt = node("db1").run("timeout 10 ssh -n hastack-restic-backup id")
    assert "uid=" not in attempt.stdout
    # pgBackRest's own SSH to the same host keeps its user and key (its forced command answers)
    assert "hastack: refused" in node("db1").run("runuser -u postgres -- ssh -o BatchMode=yes %s pgbackrest version",
                                                 ADDRESS[REPO_HOST]).stderr
