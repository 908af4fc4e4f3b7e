"""Read-write reaches only the leader, read-only a replica; Patroni's REST API decides."""
from conftest import ADDRESS, node, psql, wait_for

DBS = ["db1", "db2"]


def rest(host, path, client="lb1"):
    """The status code of Patroni's REST API on host, asked over TLS from client (0: no answer)."""
    result = node(client).run(
        "curl -s -m 3 --cacert /etc/hastack/tls/ca.crt -o /dev/null -w '%%{http_code}' https://%s:8009%s",
        ADDRESS[host], path)
    return int(result.stdout or 0)


def leader():
    leaders = [host for host in DBS if rest(host, "/primary") == 200]
    return leaders[0] if len(leaders) == 1 else None


def test_rest_api_names_one_leader_and_one_replica():
    lead = wait_for(leader, "one member answering 200 on /primary", timeout=60)
    replica = [host for host in DBS if host != lead][0]
    assert rest(replica, "/primary") == 503
    assert rest(replica, "/replica") == 200
    assert rest(lead, "/replica") == 503


def test_rest_api_port_is_closed_to_hosts_outside_lb_and_db():
    # app2 is neither a load balancer, a db host nor an etcd member.
    result = node("app2").run("curl -sk -m 2 https://%s:8009/health" % ADDRESS["db1"])
    assert result.rc != 0


def test_read_write_port_reaches_only_the_leader():
    lead = wait_for(leader, "one member answering 200 on /primary", timeout=60)
    for _attempt in range(5):
        assert psql(5432, "SELECT inet_server_addr(), pg_is_in_recovery()") == "%s|f" % ADDRESS[lead]


def test_read_only_port_reaches_the_replica():
    lead = wait_for(leader, "one member answering 200 on /primary", timeout=60)
    replica = [host for host in DBS if host != lead][0]
    wait_for(lambda: read_only_address() == ADDRESS[replica], "reads to reach the replica", timeout=30)
    for _attempt in range(5):
        assert psql(5433, "SELECT inet_server_addr(), pg_is_in_recovery()") == "%s|t" % ADDRESS[replica]


def test_reads_fall_back_to_the_leader_without_replicas():
    lead = wait_for(leader, "one member answering 200 on /primary", timeout=60)
    replica = [host for host in DBS if host != lead][0]
    node(replica).run("systemctl stop patroni")
    try:
        wait_for(lambda: read_only_address() == ADDRESS[lead], "reads to go to the leader", timeout=30)
    finally:
        node(replica).run("systemctl start patroni")
    wait_for(lambda: read_only_address() == ADDRESS[replica], "reads to go back to the replica", timeout=90)


def read_only_address():
    try:
        return psql(5433, "SELECT inet_server_addr()")
    except AssertionError:
        return None
