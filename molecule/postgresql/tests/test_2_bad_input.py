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
