"""Bad input fails before any host changes, with a message that names the fix."""
from conftest import converge, hosts_with_changes, node


def test_bad_cidr_in_hba_rules_fails_before_any_change():
    before = node("db1").file("/etc/postgresql/15/main/pg_hba.conf").md5sum
    rc, output = converge("-e", '{"postgresql_hba_rules": [{"database": "app", "user": "app", "address": "10.231.22.0/33"}]}')
    assert rc != 0
    assert "Invalid network(s) 10.231.22.0/33 in postgresql_hba_rules" in output
    assert hosts_with_changes(output) == []
    assert node("db1").file("/etc/postgresql/15/main/pg_hba.conf").md5sum == before


def test_missing_replication_password_fails_before_any_change():
    rc, output = converge("-e", '{"postgresql_replication_password": ""}')
    assert rc != 0
    assert "postgresql_replication_password is not set" in output and "vault" in output
    assert hosts_with_changes(output) == []


def test_user_without_password_is_named():
    rc, output = converge("-e", '{"postgresql_users": [{"name": "reporting"}]}')
    assert rc != 0
    assert "These postgresql_users have no password: reporting" in output
    assert hosts_with_changes(output) == []


def test_tls_input_is_checked_before_any_change():
    """TLS on without the CA passphrase, a wildcard name and a rule around TLS: all named in one run."""
    before = node("db1").file("/etc/hastack/tls/host.crt").md5sum
    rc, output = converge("-e", '{"pki_ca_passphrase": "", "pki_extra_names": ["db1.example.internal", "*.example.internal"],'
                                ' "postgresql_hba_rules": [{"type": "hostnossl", "database": "app", "user": "app",'
                                ' "address": "10.231.22.0/24"}]}')
    assert rc != 0
    assert "db1: pki_ca_passphrase is not set" in output and "vault" in output
    assert "*.example.internal, not DNS names" in output
    assert "hostnossl rules that let clients in without TLS" in output
    assert hosts_with_changes(output) == []
    assert node("db1").file("/etc/hastack/tls/host.crt").md5sum == before
