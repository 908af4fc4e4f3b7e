from conftest import converge, hosts_with_changes


def test_a_bad_client_network_fails_before_any_change():
    rc, output = converge("-e", '{"rsyslog_client_sources": ["10.231.26.0/33"]}')
    assert rc != 0
    assert "rsyslog_client_sources: 10.231.26.0/33 is not an address" in output
    assert hosts_with_changes(output) == []


def test_tls_without_a_key_fails_before_any_change():
    rc, output = converge("-e", '{"rsyslog_tls_key": ""}')
    assert rc != 0
    assert "rsyslog_tls is on but" in output and "rsyslog_tls_key" in output
    assert hosts_with_changes(output) == []


def test_no_log_server_fails_before_any_change():
    rc, output = converge("-e", '{"rsyslog_server_group": "nosuchgroup", "hastack_logserver_group": "logserver"}')
    assert rc != 0
    assert "group 'nosuchgroup' has no host" in output
    assert hosts_with_changes(output) == []
