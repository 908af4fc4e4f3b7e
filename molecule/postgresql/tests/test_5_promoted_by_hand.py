"""A standby is promoted by hand and the old primary stopped: re-running the
role keeps the new primary, clones nothing, and brings the old one back as its
standby with pg_rewind. Runs last: it starts from the primary the failover
tests left."""
from conftest import ADDRESS, DBS, converge, node, primaries, value as sql, wait_for


def test_rerun_after_a_manual_promotion():
    (old,) = primaries()
    new, bystander = [host for host in DBS if host != old]
    marker = "/var/lib/postgresql/15/main/hastack-test-not-recloned"
    node(bystander).run("touch %s", marker)
    sysid = sql(bystander, "SELECT system_identifier FROM pg_control_system()")

    node(old).run("systemctl stop postgresql@15-main")
    assert sql(new, "SELECT pg_promote(true, 60)") == "t"
    wait_for(lambda: sql(new, "SELECT pg_is_in_recovery()") == "f", "%s to be writable" % new)

    rc, output = converge()
    assert rc == 0, output[-3000:]
    assert "%s was a primary and %s is the primary now" % (old, new) in output

    # nobody flipped back: the new primary stays; the others are its standbys
    assert sql(new, "SELECT pg_is_in_recovery()") == "f"
    assert sql(old, "SELECT pg_is_in_recovery()") == "t"
    assert sql(bystander, "SELECT pg_is_in_recovery()") == "t"
    wait_for(lambda: sql(old, "SELECT status FROM pg_stat_wal_receiver") == "streaming", "%s to stream from %s" % (old, new))
    assert "host=%s" % ADDRESS[new] in sql(old, "SHOW primary_conninfo")
    wait_for(lambda: sql(new, "SELECT count(*) FROM pg_replication_slots WHERE active") == "2", "both slots in use")
    # nothing was cloned: the bystander kept its data directory
    assert node(bystander).file(marker).exists
    assert sql(bystander, "SELECT system_identifier FROM pg_control_system()") == sysid
    # the bystander follows the new primary, on its timeline, and writes reach it
    wait_for(lambda: sql(bystander, "SELECT status FROM pg_stat_wal_receiver") == "streaming",
             "%s to stream from %s" % (bystander, new))
    assert "host=%s" % ADDRESS[new] in sql(bystander, "SHOW primary_conninfo")
    sql(new, "CREATE TABLE after_promotion (id int)")
    sql(new, "INSERT INTO after_promotion VALUES (42)")
    wait_for(lambda: sql(bystander, "SELECT to_regclass('after_promotion') IS NOT NULL") == "t", "the table on the bystander")
    assert sql(bystander, "SELECT id FROM after_promotion") == "42"
