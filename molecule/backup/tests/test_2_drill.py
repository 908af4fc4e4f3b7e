"""The drill restores the latest backup into a scratch instance on ops1; a
corrupted or missing backup must make it fail loudly."""
import pytest
from conftest import REPO_HOST, backups, node, primary, run_playbook


def drill(*extra):
    return run_playbook("restore_drill", *extra, all_hosts_up=True)


@pytest.mark.parametrize("repo", [1, 2])
def test_drill_restores_the_latest_backup_with_the_canary_and_a_clean_amcheck(repo):
    rc, output = drill("-e", "repo=%d" % repo)
    assert rc == 0, output[-3000:]
    assert "Restore drill passed for repository %d" % repo in output
    assert "canary found" in output
    assert "pg_amcheck ok on postgres, shop, template1" in output


def test_drill_leaves_production_untouched_and_cleans_up():
    assert primary() == "db1"
    host = node(REPO_HOST)
    assert host.run("ls -A /var/lib/pgbackrest-drill").stdout == ""
    assert host.run("pgrep -u postgres -x postgres").rc == 1


@pytest.fixture
def latest_backup_dir():
    label = backups(1)[-1]["label"]
    path = "/var/lib/pgbackrest/backup/main/%s" % label
    host = node(REPO_HOST)
    host.run_expect([0], "cp -a %s /root/backup-kept", path)
    yield path
    host.run_expect([0], "rm -rf %s && mv /root/backup-kept %s", path, path)


def test_a_corrupted_backup_fails_the_drill_loudly(latest_backup_dir):
    host = node(REPO_HOST)
    # Every data file of the set (the manifest has a copy pgBackRest would fall back to).
    files = host.run("find %s -type f ! -name 'backup.manifest*'", latest_backup_dir).stdout.split()
    assert files
    for path in files:
        size = int(host.run("stat -c %%s %s", path).stdout)
        host.run_expect([0], "printf 'hastack-corruption' | dd of=%s bs=1 seek=%s conv=notrunc status=none", path,
                        str(size // 2))
    rc, output = drill()
    assert rc != 0
    assert "RESTORE DRILL FAILED for repository 1" in output


def test_a_missing_backup_fails_the_drill_loudly(latest_backup_dir):
    node(REPO_HOST).run_expect([0], "rm -rf %s", latest_backup_dir)
    rc, output = drill()
    assert rc != 0
    assert "RESTORE DRILL FAILED for repository 1" in output
