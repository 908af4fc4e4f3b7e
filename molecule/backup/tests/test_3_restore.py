"""restore.yml: refusals change nothing; a point-in-time restore shows exactly
the rows written before the time; the standby follows the restored primary.
Under Patroni the restore is Patroni's own bootstrap (pgbackrest restore into
an empty data directory on the target, which then leads)."""
import time

from conftest import DBS, backups, node, pg_version, primary, run_playbook, sql, wait_for


def restore(*extra):
    return run_playbook("restore", *extra, all_hosts_up=True)


def test_restore_refuses_without_confirmation():
    rc, output = restore()
    assert rc != 0
    assert "Run it again with -e confirm=yes" in output
    assert primary() == "db1"


def test_restore_refuses_a_time_before_the_first_backup():
    rc, output = restore("-e", "confirm=yes", "-e", "target_time='2001-01-01 00:00:00+00:00'")
    assert rc != 0
    assert "The repository cannot restore 2001-01-01 00:00:00+00:00" in output
    assert primary() == "db1"


def test_restore_refuses_a_time_without_its_offset():
    rc, output = restore("-e", "confirm=yes", "-e", "target_time='2026-11-23 10:00:00'")
    assert rc != 0
    assert "must be a time with its offset" in output


def test_point_in_time_restore_keeps_exactly_the_rows_written_before_the_time():
    sql("db1", "CREATE TABLE pitr (n int PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp())")
    sql("db1", "INSERT INTO pitr (n) SELECT generate_series(1, 100)")
    time.sleep(1.5)
    target = sql("db1", "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00:00'")
    time.sleep(1.5)
    sql("db1", "INSERT INTO pitr (n) SELECT generate_series(101, 200)")
    timeline_before = int(sql("db1", "SELECT timeline_id FROM pg_control_checkpoint()"))

    rc, output = restore("-e", "confirm=yes", "-e", "target_time='%s'" % target)
    assert rc == 0, output[-3000:]

    assert primary() == "db1"
    assert sql("db1", "SELECT count(*), min(n), max(n) FROM pitr") == "100|1|100"
    assert int(sql("db1", "SELECT timeline_id FROM pg_control_checkpoint()")) > timeline_before
    sql("db1", "INSERT INTO pitr (n) VALUES (1000)")
    wait_for(lambda: sql("db2", "SELECT count(*) FROM pitr") == "101", "the new row on the re-cloned standby")
    assert sql("db1", "SELECT state FROM pg_stat_replication") == "streaming"
    for host in DBS:
        assert not node(host).file("/var/lib/postgresql/%s/main.before-restore" % pg_version(host)).exists, host
    # The recovery target stays behind: nothing would make a standby stop at it.
    assert "recovery_target" not in node("db1").file("/var/lib/postgresql/%s/main/postgresql.auto.conf" % pg_version("db1")).content_string
    assert sql("db2", "SELECT pg_is_in_recovery()", "postgres") == "t"


def test_archiving_and_the_drill_work_on_the_new_timeline():
    rc, output = run_playbook("backup", "-e", "type=incr", "-e", "repo=1")
    assert rc == 0, output[-2000:]
    assert backups(1)[-1]["type"] == "incr"
    rc, output = run_playbook("restore_drill")
    assert rc == 0, output[-3000:]
    assert "canary found" in output
    assert [host for host in DBS if sql(host, "SELECT pg_is_in_recovery()", "postgres") == "f"] == ["db1"]
