import pytest
from conftest import ADDRESS, DBS, REPO_HOST, backups, info, node, pgbackrest, run_playbook, wait_for


def test_check_archives_from_the_primary_into_both_repositories():
    result = pgbackrest("check")
    assert result.rc == 0, result.stderr


def test_both_repositories_are_encrypted_and_hold_a_full_backup():
    stanza = info()
    assert [(repo["key"], repo["status"]["code"], repo["cipher"]) for repo in stanza["repo"]] == [
        (1, 0, "aes-256-cbc"), (2, 0, "aes-256-cbc")]
    for repo in (1, 2):
        assert [b["type"] for b in backups(repo)][:1] == ["full"]


def test_backups_are_taken_from_the_standby():
    log = node(REPO_HOST).run("grep -h 'backup-standby' /var/log/pgbackrest/main-backup.log | tail -n 1").stdout
    assert "--backup-standby" in log


@pytest.mark.parametrize("backup_type", ["diff", "incr"])
def test_backup_playbook_takes_the_asked_type_into_every_repository(backup_type):
    rc, output = run_playbook("backup", "-e", "type=%s" % backup_type, all_hosts_up=True)
    assert rc == 0, output[-2000:]
    for repo in (1, 2):
        assert backups(repo)[-1]["type"] == backup_type


def test_backup_playbook_refuses_an_unknown_type():
    rc, output = run_playbook("backup", "-e", "type=weekly")
    assert rc != 0
    assert "Back up with -e type=full, diff or incr (got 'weekly')" in output


def test_full_and_differential_timers_are_scheduled_and_the_drill_timer_is_on():
    host = node(REPO_HOST)
    for timer in ("hastack-pgbackrest-full.timer", "hastack-pgbackrest-diff.timer", "hastack-pgbackrest-drill.timer"):
        assert host.service(timer).is_enabled
        assert host.service(timer).is_running
    assert not host.file("/etc/systemd/system/hastack-pgbackrest-incr.timer").exists
    assert host.run("systemd-analyze verify hastack-pgbackrest-backup@full.service").rc == 0


@pytest.mark.parametrize("host", DBS)
def test_the_ssh_keys_run_no_shell(host):
    ssh = "runuser -u postgres -- ssh -o BatchMode=yes %s " % ADDRESS[REPO_HOST]
    refused = node(host).run(ssh + "id")
    assert refused.rc != 0 and "hastack: refused" in refused.stderr
    assert "uid=" not in node(host).run(ssh + "'pgbackrest version; id'").stdout


@pytest.mark.parametrize("host", DBS)
def test_postgresql_logs_reach_the_log_server(host):
    node(host).run_expect([0], "runuser -u postgres -- psql -XAtq -c \"DO \\$\\$BEGIN RAISE LOG 'hastack-log-probe'; END\\$\\$\"")
    wait_for(lambda: node(REPO_HOST).run("grep -c hastack-log-probe /var/log/remote/%s/postgres.log", host).stdout.strip()
             not in ("", "0"), "%s's PostgreSQL log on the log server" % host)
