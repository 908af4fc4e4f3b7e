"""Attacks from a compromised host on the backups of the others, and on the
history the backup host keeps; bad backup input refused before any change.

restic: db1 and db2 each have an SFTP account of their own on ops1, chrooted
to their repository; db1 is the attacker. pgBackRest: db1's postgres key on
ops1 and ops1's key on db1 only run the remote that side needs."""
import uuid

import pytest
from conftest import ADDRESS, REPO_HOST, backups, hosts_with_changes, info, node, run_playbook
from scenario_helpers import converge

ATTACKER, VICTIM = "db1", "db2"
OPS = ADDRESS[REPO_HOST]
KEY = "/root/.ssh/hastack_restic"
RESTIC = "set -a && . /etc/hastack/restic/restic.env && set +a && restic "
PROTECTED = "restic -r /var/lib/restic-protected/{0} --password-file /etc/hastack/restic-escrow/{0}.protected "


def sftp(host, *commands, user=None, key=KEY):
    """SFTP batch from host to ops1 (as the host's own account unless user is given); each command may fail."""
    batch = "".join("-%s\n" % command for command in commands)
    target = "%s@%s" % (user, OPS) if user else "hastack-restic-backup"
    return node(host).run("printf '%%s' %s | timeout 30 sftp -b - -i %s -o IdentitiesOnly=yes -o BatchMode=yes %s",
                          batch, key, target)


def tree(*paths):
    """Names, sizes and times of every file under the paths on ops1: what an attack must not change."""
    return node(REPO_HOST).run("find " + " ".join(["%s"] * len(paths)) + " -printf '%%p %%s %%T@ %%u %%m\\n' | sort",
                               *paths).stdout


# restic -----------------------------------------------------------------------------------------------------------

def test_a_host_sees_only_its_own_repository_and_cannot_touch_another():
    victim_repo = "/var/lib/restic/%s" % VICTIM
    before = tree(victim_repo) + tree("/etc/ssh/authorized_keys")
    assert "repo/config" in before

    own = sftp(ATTACKER, "ls -1 /", "ls -1 /repo")
    assert own.rc == 0, own.stderr
    assert "/repo/config" in own.stdout
    listing = own.stdout.split("sftp> -ls -1 /repo")[0]
    assert [line.strip() for line in listing.splitlines()[1:] if line.strip()] == ["/repo"]

    attack = sftp(ATTACKER,
                  "ls /var/lib/restic/%s/repo" % VICTIM, "ls /../%s/repo" % VICTIM, "ls ../../%s" % VICTIM,
                  "get /../%s/repo/config /tmp/stolen" % VICTIM, "get /var/lib/restic/%s/repo/config /tmp/stolen" % VICTIM,
                  "rm /../%s/repo/config" % VICTIM, "rename /../%s/repo /../%s/gone" % (VICTIM, VICTIM),
                  "put /etc/hostname /../%s/repo/planted" % VICTIM, "mkdir /../%s/repo/planted" % VICTIM,
                  "put /root/.ssh/hastack_restic.pub /etc/ssh/authorized_keys/restic-%s" % VICTIM,
                  "put /root/.ssh/hastack_restic.pub /../../../../etc/ssh/authorized_keys/restic-%s" % ATTACKER,
                  "mkdir /.ssh", "put /root/.ssh/hastack_restic.pub /.ssh/authorized_keys")
    assert "Permission denied" in attack.stderr or "No such file" in attack.stderr, attack.stderr
    assert not node(ATTACKER).file("/tmp/stolen").exists
    assert tree(victim_repo) + tree("/etc/ssh/authorized_keys") == before


def test_a_host_cannot_log_in_as_another_host_or_the_old_shared_account():
    for user in ("restic-%s" % VICTIM, "restic", "postgres", "root"):
        attempt = sftp(ATTACKER, "ls /", user=user)
        assert attempt.rc != 0 and "Permission denied" in attempt.stderr, (user, attempt.stderr)
    # restic itself, pointed at the other host's repository with this host's key and password
    stolen = node(ATTACKER).run(
        "timeout 60 restic -r sftp:restic-%s@%s:/repo --password-file /etc/hastack/restic/password "
        "-o sftp.command='ssh -i %s -o IdentitiesOnly=yes -o BatchMode=yes restic-%s@%s -s sftp' snapshots",
        VICTIM, OPS, KEY, VICTIM, OPS)
    assert stolen.rc != 0


def test_a_key_planted_in_the_own_repository_does_not_open_the_account():
    host = node(ATTACKER)
    host.run_expect([0], "rm -f /root/planted /root/planted.pub && ssh-keygen -q -t ed25519 -N '' -f /root/planted")
    planted = sftp(ATTACKER, "mkdir /repo/.ssh", "put /root/planted.pub /repo/.ssh/authorized_keys",
                   "put /root/planted.pub /repo/authorized_keys")
    assert planted.rc == 0
    attempt = sftp(ATTACKER, "ls /", user="restic-%s" % ATTACKER, key="/root/planted")
    assert attempt.rc != 0 and "Permission denied" in attempt.stderr
    sftp(ATTACKER, "rm /repo/.ssh/authorized_keys", "rmdir /repo/.ssh", "rm /repo/authorized_keys")


def test_the_key_opens_no_shell():
    attempt = node(ATTACKER).run("timeout 10 ssh -n hastack-restic-backup id")
    assert "uid=" not in attempt.stdout


def test_each_host_has_its_own_password_in_a_root_only_file_escrowed_on_the_backup_host():
    passwords = {}
    for host in ("db1", "db2"):
        password = node(host).file("/etc/hastack/restic/password")
        assert (password.user, password.group, password.mode) == ("root", "root", 0o600)
        passwords[host] = password.content_string
        env = node(host).file("/etc/hastack/restic/restic.env").content_string
        assert "RESTIC_PASSWORD_FILE=/etc/hastack/restic/password" in env and passwords[host] not in env
        escrow = node(REPO_HOST).file("/etc/hastack/restic-escrow/%s.password" % host)
        assert (escrow.user, escrow.mode, escrow.content_string) == ("root", 0o600, passwords[host])
    assert len(passwords["db1"]) >= 32 and passwords["db1"] != passwords["db2"]
    # The victim's password does not open the attacker's repository, nor the reverse.
    wrong = node(ATTACKER).run("cat > /root/wrong.pw <<'EOF'\n%s\nEOF\n" % passwords[VICTIM]
                               + RESTIC + "--password-file /root/wrong.pw snapshots; rc=$?; rm -f /root/wrong.pw; exit $rc")
    assert wrong.rc != 0 and "wrong password" in wrong.stderr


def test_the_protected_copy_survives_the_host_deleting_its_repository():
    token = uuid.uuid4().hex
    probe = "/etc/hastack-isolation-probe"
    host, ops = node(ATTACKER), node(REPO_HOST)
    host.run_expect([0], "echo %s > %s", token, probe)
    host.run_expect([0], "systemctl start hastack-restic-backup.service")
    copy = ops.run("systemctl start hastack-restic-protect.service")
    assert copy.rc == 0, ops.run("journalctl -u hastack-restic-protect -n 30 --no-pager").stdout

    # The attacker forgets every snapshot of its repository and prunes, then removes the rest over SFTP.
    wiped = host.run(RESTIC + "forget --prune $(" + RESTIC + "snapshots --json | python3 -c "
                     "'import json,sys; print(\" \".join(s[\"id\"] for s in json.load(sys.stdin)))')")
    assert wiped.rc == 0, wiped.stderr
    assert host.run(RESTIC + "snapshots --json").stdout.strip() in ("[]", "null")
    sftp(ATTACKER, "rm /repo/snapshots/*")

    # The next daily run copies nothing and prunes the copy by retention: the snapshot stays.
    assert ops.run("systemctl start hastack-restic-protect.service").rc == 0
    kept = ops.run(PROTECTED.format(ATTACKER) + "dump latest %s", probe)
    assert kept.rc == 0, kept.stderr
    assert kept.stdout.strip() == token

    # docs/backup.md, "A host's repository lost": the copy goes back into the host's repository.
    back = ops.run("restic -r /var/lib/restic/{0}/repo --password-file /etc/hastack/restic-escrow/{0}.password copy "
                   "--from-repo /var/lib/restic-protected/{0} --from-password-file /etc/hastack/restic-escrow/{0}.protected "
                   "&& chown -R restic-{0}:hastack-restic /var/lib/restic/{0}/repo".format(ATTACKER))
    assert back.rc == 0, back.stderr
    restored = host.run(RESTIC + "dump latest %s", probe)
    assert restored.rc == 0 and restored.stdout.strip() == token, restored.stderr
    host.run_expect([0], "rm -f %s", probe)


# pgBackRest -------------------------------------------------------------------------------------------------------

def as_postgres_over_ssh(host, peer, command):
    return node(host).run("runuser -u postgres -- ssh -o BatchMode=yes %s %s", ADDRESS[peer], command)


REMOTE = "pgbackrest --exec-id=1-hastack --log-level-console=off --log-level-stderr=error --process=0 "


@pytest.mark.parametrize("command", [
    "pgbackrest --stanza=main stanza-delete --force",
    "pgbackrest --stanza=main expire",
    "pgbackrest --stanza=main --repo=2 expire --repo2-retention-full=1",
    REMOTE + "--remote-type=repo --repo=1 --stanza=main stanza-delete:remote",
    REMOTE + "--remote-type=repo --repo=2 --stanza=main expire:remote",
    REMOTE + "--remote-type=repo --repo=1 --stanza=main --repo1-path=/var/lib/postgresql archive-get:remote",
    REMOTE + "--remote-type=repo --repo=1 --stanza=main --config=/tmp/x.conf archive-push:remote",
    REMOTE + "--remote-type=repo --repo=1 --stanza=main --cmd-ssh=/bin/sh archive-push:remote",
    REMOTE + "--remote-type=repo --repo=1 --stanza=other archive-push:remote",
    REMOTE + "--remote-type=pg --stanza=main backup:remote",
    "pgbackrest version",
    "id",
    "'pgbackrest version; id'",
])
def test_a_db_host_key_runs_only_archiving_and_restore_on_the_repository_host(command):
    # The backups and the stanza's files (WAL may arrive meanwhile: the archive itself is not compared).
    kept = ("/var/lib/pgbackrest/backup", "/var/lib/pgbackrest/archive/main/archive.info", "/var/lib/pgbackrest-offsite/backup")
    before = tree(*kept)
    refused = as_postgres_over_ssh("db2", REPO_HOST, command)
    assert refused.rc != 0 and "hastack: refused" in refused.stderr, refused.stderr
    assert tree(*kept) == before and "backup.info" in before


@pytest.mark.parametrize("command", [
    REMOTE + "--remote-type=pg --stanza=main restore:remote",
    REMOTE + "--remote-type=pg --stanza=main --pg1-path=/etc backup:remote",
    REMOTE + "--remote-type=repo --repo=1 --stanza=main archive-push:remote",
    "pgbackrest --stanza=main stanza-delete --force",
])
def test_the_repository_host_key_runs_only_the_pg_remote_on_a_db_host(command):
    refused = as_postgres_over_ssh(REPO_HOST, "db1", command)
    assert refused.rc != 0 and "hastack: refused" in refused.stderr, refused.stderr


def test_the_repository_survives_the_attacks_and_the_db_hosts_hold_no_repository_secret():
    stanza = info()
    assert [(repo["key"], repo["status"]["code"]) for repo in stanza["repo"]] == [(1, 0), (2, 0)]
    assert backups(1) and backups(2)
    for host in ("db1", "db2"):
        config = node(host).file("/etc/pgbackrest/pgbackrest.conf").content_string
        for secret in ("cipher-pass", "s3-key", "repo1-path", "repo2-path"):
            assert secret not in config, (host, secret)
    for host in ("db1", "db2", REPO_HOST):
        keys = node(host).file("/etc/ssh/authorized_keys/postgres")
        assert (keys.user, keys.mode) == ("root", 0o644)
        assert node(host).run("runuser -u postgres -- sh -c 'echo x >> /etc/ssh/authorized_keys/postgres'").rc != 0
        assert not node(host).file("/var/lib/postgresql/.ssh/authorized_keys").exists


# Bad input, refused by site.yml's first play before any change ------------------------------------------------------

def test_zero_or_negative_file_retention_is_refused_naming_the_variable_and_the_host():
    rc, output = converge("-e", "restic_keep_daily=0", "-e", "restic_keep_monthly=-1")
    assert rc != 0
    assert "restic_keep_daily, restic_keep_monthly must be a whole number of 1 or more" in output
    assert "restic on db1" in output
    assert hosts_with_changes(output) == []


def test_an_empty_cipher_passphrase_with_encryption_on_is_refused():
    rc, output = converge("-e", "pgbackrest_cipher_pass=")
    assert rc != 0
    assert "pgbackrest_cipher_pass is empty while pgbackrest_cipher_type is 'aes-256-cbc'" in output
    assert "or set pgbackrest_cipher_type: none" in output
    assert hosts_with_changes(output) == []


@pytest.mark.parametrize("pattern", ["db", "db*", "ops1"])
def test_restore_files_refuses_a_host_pattern_that_is_not_one_client_host(pattern):
    rc, output = run_playbook("restore_files", "-e", "host=%s" % pattern, "-e", "path=/etc/hostname", "-e", "confirm=yes")
    assert rc != 0
    assert "restore_files.yml restores one host's files at a time" in output
    assert "Name one host of the inventory" in output
    assert hosts_with_changes(output) == []
