from conftest import converge, hosts_with_changes


def test_bad_numbers_sizes_networks_and_paths_fail_together_before_any_change():
    rc, output = converge("-e", '{"rsyslog_retention_days": 0, "rsyslog_host_max_size": "0",'
                                ' "rsyslog_host_cap_interval": -5, "rsyslog_queue_size": 0,'
                                ' "rsyslog_client_sources": ["10.231.26.0/33"], "rsyslog_tls_key_file": "host.key"}')
    assert rc != 0
    # The server's own settings are reported on the server, named with the fix.
    assert "rsyslog input on log1:" in output
    assert "rsyslog_retention_days is 0, so logrotate would keep no day of logs; set it to 1 or more" in output
    assert "rsyslog_host_max_size is '0'; set the disk each host's logs may use" in output
    assert "rsyslog_host_cap_interval is -5; set the seconds between checks" in output
    # And every host's.
    for host in ("log1", "web1", "web2"):
        assert "rsyslog input on %s: rsyslog_client_sources: 10.231.26.0/33 is not an address" % host in output
    assert "rsyslog_queue_size is 0; set the messages the memory queue holds, 1 or more" in output
    assert "host.key is not an absolute path" in output
    assert "rsyslog input on web1: rsyslog_retention_days" not in output
    assert hosts_with_changes(output) == []


def test_no_log_server_fails_before_any_change():
    rc, output = converge("-e", '{"rsyslog_server_group": "nosuchgroup", "hastack_logserver_group": "logserver"}')
    assert rc != 0
    assert "group 'nosuchgroup' has no host" in output
    assert hosts_with_changes(output) == []
