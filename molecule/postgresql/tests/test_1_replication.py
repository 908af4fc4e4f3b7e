"""A fresh group of three: db1 bootstraps, db2 and db3 stream from it."""
import os
import re
import time

from conftest import converge, node, value as sql


def test_one_primary_two_standbys():
    assert sql("db1", "SELECT pg_is_in_recovery()") == "f"
    assert sql("db2", "SELECT pg_is_in_recovery()") == "t"
    assert sql("db3", "SELECT pg_is_in_recovery()") == "t"


def test_same_cluster_everywhere():
    ids = {sql(name, "SELECT system_identifier FROM pg_control_system()") for name in ("db1", "db2", "db3")}
    assert len(ids) == 1


def test_row_written_on_primary_is_read_on_both_standbys():
    marker = "row-%d" % time.time_ns()
    sql("db1", "CREATE TABLE IF NOT EXISTS replication_probe (note text)")
    sql("db1", "INSERT INTO replication_probe VALUES ('%s')" % marker)
    for standby in ("db2", "db3"):
        for attempt in range(50):
            if sql(standby, "SELECT count(*) FROM replication_probe WHERE note = '%s'" % marker) == "1":
                break
            time.sleep(0.2)
        else:
            raise AssertionError("%s never saw %s" % (standby, marker))


def test_both_standbys_stream_with_quorum_sync_state():
    rows = sql("db1", "SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1").splitlines()
    assert rows == ["db2|streaming|quorum", "db3|streaming|quorum"]
    assert sql("db1", "SHOW synchronous_standby_names") == 'ANY 1 ("db2", "db3")'


def test_one_active_slot_per_standby():
    rows = sql("db1", "SELECT slot_name, slot_type, active FROM pg_replication_slots ORDER BY 1").splitlines()
    assert rows == ["db2|physical|t", "db3|physical|t"]
    assert sql("db1", "SHOW max_slot_wal_keep_size") == "4GB"


def test_settings_live_in_our_conf_d_file():
    host = node("db1")
    assert host.file("/etc/postgresql/15/main/conf.d/60-hastack.conf").exists
    assert sql("db1", "SELECT sourcefile FROM pg_settings WHERE name = 'wal_log_hints'").endswith("conf.d/60-hastack.conf")
    assert sql("db1", "SHOW wal_log_hints") == "on"
    assert sql("db1", "SHOW password_encryption") == "scram-sha-256"
    # 256 MB of RAM given to PostgreSQL in this scenario: a quarter of it
    assert sql("db1", "SHOW shared_buffers") == "64MB"
    assert sql("db1", "SELECT count(*) FROM pg_settings WHERE pending_restart") == "0"


def test_standbys_name_themselves_and_follow_the_latest_timeline():
    for standby in ("db2", "db3"):
        conninfo = sql(standby, "SHOW primary_conninfo")
        assert "host=10.231.22.31" in conninfo and "application_name=%s" % standby in conninfo
        assert "sslmode=verify-full" in conninfo
        assert sql(standby, "SHOW primary_slot_name") == standby
        assert sql(standby, "SELECT status FROM pg_stat_wal_receiver") == "streaming"


def test_listens_on_the_host_address_with_scram_only():
    host = node("db2")
    assert host.socket("tcp://10.231.22.32:5432").is_listening
    hba = host.file("/etc/postgresql/15/main/pg_hba.conf").content_string
    methods = {line.split()[-1] for line in hba.splitlines() if line.startswith("host")}
    assert methods == {"scram-sha-256"}
    assert "0.0.0.0/0" not in hba


def test_app_role_and_database_from_a_client_network():
    client = node("db3")  # any host of 10.231.22.0/24 is an allowed client
    with open(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"] + "/app.pw") as handle:
        password = handle.read().strip()
    result = client.run(
        "PGPASSWORD=%s psql -X -At 'host=10.231.22.31 dbname=app user=app sslmode=prefer' -c %s",
        password, "SELECT current_user, (SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto')",
    )
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "app|1"
    wrong = client.run("PGPASSWORD=wrong psql -X -At 'host=10.231.22.31 dbname=app user=app' -c 'SELECT 1'")
    assert wrong.rc != 0 and "password authentication failed" in wrong.stderr


def test_pg_node_info_reports_a_standby():
    result = node("db2").ansible("hastack.platform.pg_node_info", "", check=True)
    assert result["role"] == "standby" and result["running"] is True
    assert result["wal_receiver"]["status"] == "streaming"
    assert result["lag_bytes"] is not None and result["timeline"] == 1


def test_start_guard_refuses_a_second_primary():
    """db3 without standby.signal would start as a primary while db1 runs: the guard stops it."""
    db3 = node("db3")
    db3.run("systemctl stop postgresql@15-main")
    db3.run("mv /var/lib/postgresql/15/main/standby.signal /var/lib/postgresql/15/main/standby.signal.off")
    try:
        started = db3.run("systemctl start postgresql@15-main")
        assert started.rc != 0
        journal = db3.check_output("journalctl -u postgresql@15-main --no-pager -n 20")
        assert "10.231.22.31 is already a running primary" in journal
    finally:
        db3.run("mv /var/lib/postgresql/15/main/standby.signal.off /var/lib/postgresql/15/main/standby.signal")
        assert db3.run("systemctl start postgresql@15-main").rc == 0
    for attempt in range(50):
        if sql("db3", "SELECT status FROM pg_stat_wal_receiver") == "streaming":
            break
        time.sleep(0.2)
    assert sql("db3", "SELECT pg_is_in_recovery()") == "t"


def test_restart_only_setting_restarts_standbys_one_by_one_and_reports_the_primary():
    def started(name):
        return sql(name, "SELECT pg_postmaster_start_time()")

    before = {name: started(name) for name in ("db1", "db2", "db3")}
    rc, output = converge("-e", '{"postgresql_max_connections": 210}')
    assert rc == 0, output[-3000:]
    assert "The primary db1 needs a restart for max_connections" in output
    assert started("db1") == before["db1"]
    for standby in ("db2", "db3"):
        assert started(standby) != before[standby]
        assert sql(standby, "SHOW max_connections") == "210"
        assert sql(standby, "SELECT status FROM pg_stat_wal_receiver") == "streaming"
    assert sql("db1", "SELECT name FROM pg_settings WHERE pending_restart") == "max_connections"
    restarts = re.findall(r"^TASK \[[^]]*: Restart standby (\S+)\]", output, re.MULTILINE)
    assert restarts == ["db2", "db3"]
    # back to the scenario's settings (the primary keeps its pending restart until allowed)
    rc, output = converge("-e", '{"postgresql_allow_primary_restart": true}')
    assert rc == 0, output[-3000:]
    assert sql("db1", "SHOW max_connections") == "200"
    assert sql("db1", "SELECT count(*) FROM pg_settings WHERE pending_restart") == "0"
    assert sql("db1", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") in ("1", "2")
