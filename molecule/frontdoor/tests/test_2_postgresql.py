"""Read-write reaches only the primary, read-only a standby; the agent decides."""
import json

from conftest import ADDRESS, node, psql, wait_for

FENCE = "/var/lib/postgresql/15/main.fenced"


def agent(host, path):
    result = node("lb1").run("curl -s -m 3 -o /dev/null -w '%%{http_code}' http://%s:8008%s", ADDRESS[host], path)
    return int(result.stdout or 0)


def test_health_agent_answers():
    assert agent("db1", "/primary") == 200
    assert agent("db2", "/primary") == 503
    assert agent("db2", "/replica") == 200
    assert agent("db1", "/replica") == 503
    health = json.loads(node("db2").run("curl -s -m 3 http://%s:8008/health" % ADDRESS["db2"]).stdout)
    assert health["role"] == "standby" and health["wal_receiver"]["status"] == "streaming"


def test_agent_port_is_closed_to_non_lb_hosts():
    result = node("app1").run("curl -s -m 2 http://%s:8008/health" % ADDRESS["db1"])
    assert result.rc != 0


def test_read_write_port_reaches_only_the_primary():
    for _attempt in range(5):
        assert psql(5432, "SELECT inet_server_addr(), pg_is_in_recovery()") == "%s|f" % ADDRESS["db1"]


def test_read_only_port_reaches_the_standby():
    for _attempt in range(5):
        assert psql(5433, "SELECT inet_server_addr(), pg_is_in_recovery()") == "%s|t" % ADDRESS["db2"]


def test_a_fenced_primary_is_taken_out_at_once():
    db1 = node("db1")
    db1.run("touch %s", FENCE)
    try:
        assert agent("db1", "/primary") == 503
        wait_for(psql_fails, "haproxy to stop routing writes to the fenced db1", timeout=15)
        # the standby still serves reads
        assert psql(5433, "SELECT pg_is_in_recovery()") == "t"
    finally:
        db1.run("rm -f %s", FENCE)
    wait_for(lambda: agent("db1", "/primary") == 200, "db1 to answer /primary again")
    wait_for(lambda: not psql_fails(), "writes to reach db1 again", timeout=15)


def test_reads_fall_back_to_the_primary_without_standbys():
    db2 = node("db2")
    db2.run("systemctl stop postgresql@15-main")
    try:
        wait_for(lambda: read_only_address() == ADDRESS["db1"], "reads to go to the primary", timeout=15)
    finally:
        db2.run("systemctl start postgresql@15-main")
    wait_for(lambda: read_only_address() == ADDRESS["db2"], "reads to go back to the standby", timeout=30)


def psql_fails():
    try:
        psql(5432, "SELECT 1")
    except AssertionError:
        return True
    return False


def read_only_address():
    try:
        return psql(5433, "SELECT inet_server_addr()")
    except AssertionError:
        return None


def test_agent_answers_while_the_database_is_stuck():
    """SIGSTOP the postmaster: new connections hang, the agent must not."""
    db2 = node("db2")
    pid = db2.run("head -1 /var/lib/postgresql/15/main/postmaster.pid").stdout.strip()
    assert pid.isdigit()
    db2.run("kill -STOP %s", pid)
    try:
        # answers within curl's 3 s bound every time (0 would mean no answer),
        # and stops calling the node a replica
        wait_for(lambda: agent("db2", "/replica") == 503, "the agent to call the stuck db2 unhealthy", timeout=15)
        for _attempt in range(5):
            assert agent("db2", "/replica") == 503
            assert agent("db2", "/primary") == 503
            assert agent("db2", "/health") in (200, 503)  # a fresh reading of a node that does not answer, or a stale one
    finally:
        db2.run("kill -CONT %s", pid)
    wait_for(lambda: agent("db2", "/replica") == 200, "db2 to be a healthy replica again", timeout=30)
