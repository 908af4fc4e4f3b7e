"""haproxy on lb1 asks each member's REST API over TLS: only the lease holder
is UP for writes, the replicas for reads, also right after a reload."""
import time

from conftest import DBS, node, haproxy_states, routed_to, settled, up, wait_for


def test_only_the_lease_holder_is_up_for_writes():
    lead, replicas = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)
    states = haproxy_states()
    assert up(states, "postgresql_primary") == [lead]
    assert up(states, "postgresql_replicas") == list(replicas)
    assert states["postgresql_primary"].keys() == set(DBS)


def test_checks_verify_the_members_certificates():
    config = node("lb1").file("/etc/haproxy/haproxy.cfg").content_string
    servers = [line.split() for line in config.splitlines() if line.strip().startswith("server db")]
    assert len(servers) == 2 * len(DBS)
    for server in servers:
        assert server[server.index("verifyhost") + 1] == server[1], server
    assert "check-ssl verify required ca-file /etc/hastack/tls/ca.crt" in config
    assert "uri /replica?lag=16MB" in config


def test_reload_keeps_only_the_leader_up_for_writes():
    lead = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)[0]
    reload = node("lb1").run("systemctl reload haproxy")
    assert reload.rc == 0, reload.stderr
    # Every answer of the new worker in its first seconds, when it has not
    # checked every server yet: none may send writes to a replica.
    samples = []
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        states = haproxy_states()
        if states:
            samples.append(up(states, "postgresql_primary"))
        time.sleep(0.1)
    assert samples
    assert [sample for sample in samples if sample != [lead]] == []
    wait_for(lambda: routed_to(lead), "haproxy to route to %s after the reload" % lead, timeout=30)
