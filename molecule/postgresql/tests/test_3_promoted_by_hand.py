"""db2 is promoted by hand and db1 stopped: re-running the role keeps db2 primary, clones nothing,
and brings db1 back as db2's standby with pg_rewind."""
from conftest import converge, node, sql, wait_for


def test_rerun_after_a_manual_promotion():
    db1, db3 = node("db1"), node("db3")
    marker = "/var/lib/postgresql/15/main/hastack-test-not-recloned"
    db3.run("touch %s", marker)
    sysid = sql("db3", "SELECT system_identifier FROM pg_control_system()")

    db1.run("systemctl stop postgresql@15-main")
    assert sql("db2", "SELECT pg_promote(true, 60)") == "t"
    wait_for(lambda: sql("db2", "SELECT pg_is_in_recovery()") == "f", "db2 to be writable")

    rc, output = converge()
    assert rc == 0, output[-3000:]
    assert "db1 was a primary and db2 is the primary now" in output

    # nobody flipped back: db2 primary; db1 and db3 its standbys
    assert sql("db2", "SELECT pg_is_in_recovery()") == "f"
    assert sql("db1", "SELECT pg_is_in_recovery()") == "t"
    assert sql("db3", "SELECT pg_is_in_recovery()") == "t"
    wait_for(lambda: sql("db1", "SELECT status FROM pg_stat_wal_receiver") == "streaming", "db1 to stream from db2")
    assert "host=10.231.22.12" in sql("db1", "SHOW primary_conninfo")
    wait_for(lambda: sql("db2", "SELECT count(*) FROM pg_replication_slots WHERE active") == "2", "both slots in use")
    # nothing was cloned: db3 kept its data directory
    assert db3.file(marker).exists
    assert sql("db3", "SELECT system_identifier FROM pg_control_system()") == sysid
    # db3 now follows db2, on db2's timeline, and writes on db2 reach it
    wait_for(lambda: sql("db3", "SELECT status FROM pg_stat_wal_receiver") == "streaming", "db3 to stream from db2")
    assert "host=10.231.22.12" in sql("db3", "SHOW primary_conninfo")
    sql("db2", "CREATE TABLE after_promotion (id int)")
    sql("db2", "INSERT INTO after_promotion VALUES (42)")
    wait_for(lambda: sql("db3", "SELECT to_regclass('after_promotion') IS NOT NULL") == "t", "the table on db3")
    assert sql("db3", "SELECT id FROM after_promotion") == "42"

    # and a second run changes nothing at all
    rc, output = converge()
    assert rc == 0
    recap = [line for line in output.splitlines() if " : ok=" in line]
    assert recap and all("changed=0 " in line for line in recap), recap
