"""Bad input is refused before any host changes, with the variable, the host and the fix."""
import os

from conftest import EPHEMERAL_DIR, ansible_playbook, extra_inventory, hosts_with_changes, run_playbook


def test_two_member_group_is_refused():
    inventory = extra_inventory("two_members", "dcs:\n  hosts:\n    db1:\n    db2:\n")
    rc, output = run_playbook("check", "-i", inventory)
    assert rc != 0
    assert 'db1: etcd_group "dcs" has 2 members (db1, db2)' in output
    assert "Use 1, 3 or 5" in output
    assert hosts_with_changes(output) == []


def etcd_validate_playbook():
    """The etcd role's own checks alone, as a playbook of the scenario's ephemeral directory."""
    playbook = os.path.join(EPHEMERAL_DIR, "etcd_validate.yml")
    with open(playbook, "w") as handle:
        handle.write("- hosts: all\n  gather_facts: false\n  tasks:\n"
                     "    - ansible.builtin.include_role: {name: hastack.platform.etcd, tasks_from: validate}\n")
    return playbook


def test_tls_off_is_refused():
    # In check.yml the PostgreSQL check of these db hosts names it first (Patroni needs TLS too)...
    rc, output = run_playbook("check", "-e", '{"hastack_tls": false}')
    assert rc != 0
    assert "postgresql_engine is patroni on db2, but hastack_tls (or pki_enabled) is off" in output
    assert hosts_with_changes(output) == []
    # ...and the etcd role's own check names it for each member.
    rc, output = ansible_playbook(etcd_validate_playbook(), "-e", '{"hastack_tls": false}')
    assert rc != 0
    assert "db2: hastack_tls (or pki_enabled) is off, but etcd members talk only over TLS" in output


def test_member_without_an_ip_address_is_refused():
    """check.yml stops this in the common role first; the role's own check (used on its own) names it too."""
    inventory = extra_inventory("bad_address", "all:\n  hosts:\n    db3:\n", {"db3": "hastack_address: db3.internal\n"})
    rc, output = ansible_playbook(etcd_validate_playbook(), "-i", inventory)
    assert rc != 0
    assert 'db3: hastack_address is "db3.internal", not an IP address' in output
    assert "fatal: [db1]" not in output and "fatal: [db2]" not in output
