"""Bad front-door input stops site.yml before any host changes, naming the fix."""
import json

from conftest import converge, hosts_with_changes, node


def keepalived_conf_checksums():
    return {name: node(name).file("/etc/keepalived/keepalived.conf").md5sum for name in ("lb1", "lb2")}


def test_bad_vips_are_named_before_any_change():
    before = keepalived_conf_checksums()
    bad = [
        {"name": "web", "address": "10.231.99.100", "router_id": 51},  # another subnet
        {"name": "db", "address": "10.231.23.21", "router_id": 51},    # app1's address, same router id
        {"name": "net", "address": "10.231.23.0/24", "router_id": 53},  # a network, not an address
    ]
    rc, output = converge("-e", json.dumps({"keepalived_vips": bad}))
    assert rc != 0
    assert "Not addresses: 10.231.23.0/24" in output
    assert "outside 10.231.23.0/24: 10.231.99.100" in output
    assert "already a host's address: 10.231.23.21" in output
    assert "router ids: 51, 51, 53" in output
    assert hosts_with_changes(output) == []
    assert keepalived_conf_checksums() == before


def test_missing_stats_password_is_named():
    rc, output = converge("-e", '{"haproxy_stats_password": ""}')
    assert rc != 0
    assert "haproxy_stats_password is not set" in output and "vault_haproxy_stats_password" in output
    assert hosts_with_changes(output) == []


def test_missing_vrrp_password_is_named():
    rc, output = converge("-e", '{"keepalived_auth_password": ""}')
    assert rc != 0
    assert "keepalived_auth_password is not set" in output and "vault_keepalived_auth_password" in output
    assert hosts_with_changes(output) == []


def test_a_network_with_host_bits_is_named():
    rc, output = converge("-e", '{"haproxy_stats_sources": ["10.231.23.5/24"]}')
    assert rc != 0 and "wrong: 10.231.23.5/24" in output
    assert hosts_with_changes(output) == []
