"""Bad input stops site.yml in its first play (check.yml), before any host changes.

Each run feeds site.yml bad input for real and shows it refused with a message that names
the variable, the host and the fix, that no host changed, and that site.yml went no further.
check.yml lets every host finish its checks, so one run names the bad input of every host
(db1, lb1 and app1 through -e, ops1 through its host_vars); its last task then stops the
hosts that passed. Converge, idempotence and check ran check.yml with good input; these runs
change nothing either, so they run side by side.
"""
import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ADDRESS, HOSTS, failures, hosts_with_changes, node, run_playbook

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP3OXljR88UjQFEyXKkcge5eygsBfW2ol7IC9MsI62w/ alice@example"


def extra(variables):
    return ["-e", json.dumps(variables)]


def inventory_dir(root, name, host_vars=None, vaults=None, vault_password_file=None, groups=None):
    """One more inventory source beside Molecule's, with host_vars (they override Molecule's), vault files
    and more members for groups ({group: [host]})."""
    path = os.path.join(root, name)
    os.makedirs(os.path.join(path, "host_vars"))
    with open(os.path.join(path, "hosts.yml"), "w") as handle:
        json.dump({"all": {"hosts": {}, "children": {group: {"hosts": {host: {} for host in hosts}}
                                                     for group, hosts in (groups or {}).items()}}}, handle)
    for host, variables in (host_vars or {}).items():
        with open(os.path.join(path, "host_vars", host + ".yml"), "w") as handle:
            json.dump(variables, handle)
    for relative, (content, encrypted) in (vaults or {}).items():
        file_name = os.path.join(path, relative)
        os.makedirs(os.path.dirname(file_name), exist_ok=True)
        with open(file_name, "w") as handle:
            handle.write(content)
        if encrypted:
            subprocess.run(["ansible-vault", "encrypt", "--vault-password-file", vault_password_file, file_name],
                           check=True, capture_output=True, timeout=60)
    return ["-i", path]


@pytest.fixture(scope="module")
def runs():
    """Every run at once: {name: (rc, output)}. Bad input for one host goes in its host_vars."""
    with tempfile.TemporaryDirectory() as root:
        password_file = os.path.join(root, "vault-password")
        with open(password_file, "w") as handle:
            handle.write("inputs-scenario-vault-password\n")
        plans = {
            # Nothing shown is wrong with converge's input: converge, idempotence and check ran it.
            "first": extra({
                "postgresql_synchronous_count": 0,
                "haproxy_web_address": "10.231.28.150",
                "app_sources": ["10.231.28.0/33", "lb1"],
            }) + inventory_dir(root, "clear_vault", host_vars={"ops1": {"common_firewall_ssh_sources": []}},
                               vaults={"group_vars/all/vault.yml": ("x_vaulted: 1\n", False)}),
            "second": extra({
                "postgresql_replication_password": "repl:pass\\word",
                "keepalived_auth_password": "ab cd#ef",
                "app_secret_environment": {"PGPASSWORD": "first line\nsecond line"},
            }) + inventory_dir(root, "admins", host_vars={"ops1": {"common_admin_users": [
                # A blank key (an empty vault value), and the login account (root here) with no key.
                {"name": "alice", "ssh_keys": [KEY, "  "]},
                {"name": "root", "ssh_keys": []},
            ]}}),
            # Wrong type or choice: role argument validation of each validate entry point.
            "types": extra({
                "postgresql_synchronous_mode": "sync",
                "keepalived_priority": "high",
                "app_port": "eighty",
            }),
            # ops1 at app1's address; a stats login haproxy.cfg cannot hold.
            "fourth": extra({"haproxy_stats_user": "stats admin"})
            + inventory_dir(root, "duplicate", host_vars={"ops1": {"hastack_address": ADDRESS["app1"]}}),
            # The database's own input, one run each (a host stops at its first failed check).
            "hba": extra({"postgresql_hba_rules": [{"database": "app", "user": "app", "address": "10.231.28.0/33"}]}),
            "no_replication_password": extra({"postgresql_replication_password": ""}),
            "no_api_password": extra({"postgresql_patroni_api_password": ""}),
            "user_without_password": extra({"postgresql_users": [{"name": "reporting"}]}),
            # app1 (Debian 13) joins the db group of db1 (Debian 12).
            "mixed_db": inventory_dir(root, "mixed_db", groups={"db": ["app1"]}),
            # TLS on without the CA passphrase, a wildcard name and a rule around TLS: all named in one run.
            "tls": extra({"pki_ca_passphrase": "", "pki_extra_names": ["db1.example.internal", "*.example.internal"],
                          "postgresql_hba_rules": [{"type": "hostnossl", "database": "app", "user": "app",
                                                    "address": "10.231.28.0/24"}]}),
            # The monitoring's input: a route to a receiver nobody defined, a threshold that is no number
            # or duration; and alone, a rule promtool refuses (none is installed: a throwaway copy checks it).
            "monitoring": extra({
                "monitoring_routes": [{"receiver": "pager", "matchers": ['tier="db"']}],
                "monitoring_thresholds": {"replica_lag_bytes": "a lot", "backup_age_full": "8 days"},
            }),
            "bad_rule": extra({
                "monitoring_rules": [{"name": "mine", "rules": [{"alert": "Broken", "expr": "up{job= == 0"}]}],
            }),
            # app1 sends mail (the mail group) through a relay postfix cannot parse.
            "mail": extra({"mta_relay": "smtp.example.org:587 --tls"}) + inventory_dir(root, "mail", groups={"mail": ["app1"]}),
            # Shapes without VIPs: a frontend on an address lb1 does not hold; two lb hosts with nothing
            # to move between them; and with VIPs, db1 also a load balancer whose PostgreSQL frontend
            # would take PostgreSQL's own address and port.
            "no_vip_address": extra({"keepalived_vips": [], "haproxy_web_address": "10.231.28.150"}),
            "no_vip_two_lbs": extra({"keepalived_vips": [], "haproxy_web_address": "10.231.28.11"})
            + inventory_dir(root, "two_lbs", groups={"lb": ["app1"]}),
            "lb_on_db": inventory_dir(root, "lb_on_db", groups={"lb": ["db1"]},
                                      host_vars={"db1": {"haproxy_postgresql_address": ADDRESS["db1"]}}),
            # The backup repository on db1 itself (the first host of the db group): alone, and, with that
            # accepted, on the filesystem of PostgreSQL's data.
            "repo_on_db": extra({"pgbackrest_repo_group": "db"}),
            "repo_on_data_disk": extra({"pgbackrest_repo_group": "db", "pgbackrest_repo_on_db_host_accepted": True}),
            # A production-like inventory: a clear vault file is an error; an encrypted one is fine.
            "vault_required": extra({"hastack_require_encrypted_vault": True})
            + ["--vault-password-file", password_file]
            + inventory_dir(root, "required", vault_password_file=password_file, vaults={
                "group_vars/all/vault.yml": ("x_vaulted: 1\n", False),
                "host_vars/db1/vault.yml": ("y_vaulted: 1\n", True),
            }),
        }
        with ThreadPoolExecutor(max_workers=len(plans)) as pool:
            futures = {name: pool.submit(run_playbook, "site", *args) for name, args in plans.items()}
            yield {name: future.result() for name, future in futures.items()}


def refused(result, hosts=tuple(HOSTS)):
    """The run failed on these hosts, changed none, and stopped in its first play."""
    rc, output = result
    assert rc != 0, output[-3000:]
    assert hosts_with_changes(output) == [], output[-3000:]
    if hosts:
        assert sorted(failures(output)) == sorted(hosts), output[-3000:]
    # site.yml's second play never started.
    assert "PLAY [Base system on every host]" not in output
    return failures(output), output


def test_one_run_names_the_bad_input_of_every_host(runs):
    failed, output = refused(runs["first"])
    assert "postgresql_synchronous_count on db1 is 0; it must be 1 or more" in failed["db1"]
    assert "On lb1: haproxy_web_address = 10.231.28.150 is not one of keepalived_vips" in failed["lb1"]
    assert "Set it to a VIP's address" in failed["lb1"]
    assert "app_sources on app1" in failed["app1"] and "10.231.28.0/33, lb1. Fix these entries" in failed["app1"]
    # SSH is no longer open to the world by default: an inventory must say who may reach it.
    assert "common_firewall_ssh_sources is not set for ops1" in failed["ops1"]
    assert '[\\"0.0.0.0/0\\", \\"::/0\\"]' in failed["ops1"]
    # A vault file in clear text is only a warning here, naming the file.
    assert "WARNING: vault file(s) not encrypted: " in output
    assert "clear_vault/group_vars/all/vault.yml. Encrypt each one with: ansible-vault encrypt" in output


def test_passwords_that_break_their_files_and_admins_who_would_be_locked_out_are_refused(runs):
    failed, output = refused(runs["second"])
    assert "postgresql_replication_password on db1 contains" in failed["db1"] and ".pgpass" in failed["db1"]
    assert "keepalived_auth_password on lb1 contains a blank" in failed["lb1"]
    assert "the value of PGPASSWORD contains a line break" in failed["app1"]
    # Only names in the messages, never the secrets.
    for secret in ("repl:pass", "ab cd#ef", "first line"):
        assert secret not in output
    assert "common_admin_users on ops1: blank entries in ssh_keys of alice" in failed["ops1"]
    assert "root is the account Ansible logs in with (ansible_user)" in failed["ops1"]
    assert "never remove the login account's last key" in failed["ops1"]


def test_a_wrong_type_or_choice_is_refused_by_the_entry_points_spec(runs):
    failed, _output = refused(runs["types"])
    assert "value of postgresql_synchronous_mode must be one of: off, quorum, priority, got: sync" in failed["db1"]
    assert "'keepalived_priority' is of type str and we were unable to convert to int" in failed["lb1"]
    assert "'app_port' is of type str and we were unable to convert to int" in failed["app1"]
    # ops1's input is fine; the last check stops it all the same.
    assert "The input is wrong on " in failed["ops1"] and "no host was changed" in failed["ops1"]
    assert all(name in failed["ops1"].split("The input is wrong on ")[1] for name in ("db1", "lb1", "app1"))


def test_two_hosts_with_one_address_are_both_named(runs):
    failed, _output = refused(runs["fourth"], hosts=("app1", "ops1", "lb1", "db1"))
    assert "hastack_address 10.231.28.21 of app1 is also the address of ops1" in failed["app1"]
    assert "hastack_address 10.231.28.21 of ops1 is also the address of app1" in failed["ops1"]
    assert "Fix hastack_address in the inventory" in failed["ops1"]
    assert "haproxy_stats_user ('stats admin') must be letters, digits" in failed["lb1"]


def test_a_clear_vault_file_is_an_error_where_the_inventory_requires_encryption(runs):
    # Checked once for the inventory: one host reports it, and the run stops for all.
    failed, output = refused(runs["vault_required"], hosts=())
    assert len(failed) == 1, output[-3000:]
    message = " ".join(failed.values())
    assert "required/group_vars/all/vault.yml, and this inventory requires encrypted vaults" in message
    assert "ansible-vault encrypt <file>" in message
    # The encrypted one was read (with the vault password) and is not named.
    assert "host_vars/db1/vault.yml" not in output


def test_the_databases_input_is_named_with_its_fix(runs):
    failed = refused(runs["hba"], hosts=())[0]
    assert "Invalid network(s) 10.231.28.0/33 in postgresql_hba_rules" in failed["db1"]
    failed = refused(runs["no_replication_password"], hosts=())[0]
    assert "postgresql_replication_password is not set" in failed["db1"] and "vault" in failed["db1"]
    failed = refused(runs["no_api_password"], hosts=())[0]
    assert "postgresql_engine is patroni on db1, which needs postgresql_patroni_api_password" in failed["db1"]
    assert "vault_postgresql_patroni_api_password" in failed["db1"]
    failed = refused(runs["user_without_password"], hosts=())[0]
    assert "These postgresql_users have no password: reporting" in failed["db1"]


def test_a_db_group_across_two_releases_is_refused_naming_each_host(runs):
    _failed, output = refused(runs["mixed_db"], hosts=())
    assert "The db hosts differ in release or PostgreSQL version: db1 runs Debian 12 (bookworm) with PostgreSQL 15; " \
           "app1 runs Debian 13 (trixie) with PostgreSQL 17." in output or \
           "The db hosts differ in release or PostgreSQL version: app1 runs Debian 13 (trixie) with PostgreSQL 17; " \
           "db1 runs Debian 12 (bookworm) with PostgreSQL 15." in output, output[-3000:]
    assert "docs/upgrade.md" in output


def test_tls_input_is_named_in_one_run(runs):
    _failed, output = refused(runs["tls"], hosts=())
    assert "pki_ca_passphrase is not set" in output and "vault" in output
    assert "*.example.internal, not DNS names" in output
    assert "hostnossl rules that let clients in without TLS" in output


def test_an_unsupported_release_is_refused_with_the_supported_ones():
    """lb1 presents itself as Debian 11: /etc/os-release (a link to /usr/lib/os-release, left alone) and
    /etc/debian_version, which the facts read."""
    lb1 = node("lb1")
    version = lb1.file("/etc/debian_version").content_string
    try:
        lb1.run_test("sed 's/^VERSION_ID=.*/VERSION_ID=\"11\"/; s/^VERSION=.*/VERSION=\"11 (bullseye)\"/; "
                     "s/^VERSION_CODENAME=.*/VERSION_CODENAME=bullseye/' /usr/lib/os-release > /etc/os-release.new "
                     "&& mv /etc/os-release.new /etc/os-release && echo 11.11 > /etc/debian_version")
        # site.yml as a user runs it: stopped in its first play, no host changed
        failed, _output = refused(run_playbook("site"), hosts=())
        assert "lb1" in failed
        assert "lb1 runs Debian 11, which hastack.platform does not support. " \
               "Supported: Debian 12 (bookworm), Debian 13 (trixie)." in failed["lb1"]
        assert "nothing was changed" in failed["lb1"]
    finally:
        lb1.run("ln -sfn ../usr/lib/os-release /etc/os-release && printf '%s\\n' '" + version.strip() + "' > /etc/debian_version")
    assert lb1.file("/etc/debian_version").content_string == version
    assert lb1.file("/etc/os-release").is_symlink


def test_the_monitorings_input_is_named_with_its_fix(runs):
    failed = refused(runs["monitoring"], hosts=())[0]
    message = failed["ops1"]
    assert "The receiver pager (monitoring_default_receiver or monitoring_routes) is not in monitoring_receivers (oncall)" \
        in message
    assert "monitoring_thresholds: replica_lag_bytes, backup_age_full is neither a number" in message \
        or "monitoring_thresholds: backup_age_full, replica_lag_bytes is neither a number" in message


def test_a_rule_promtool_refuses_is_refused_before_any_change(runs):
    failed = refused(runs["bad_rule"], hosts=())[0]
    assert "monitoring_rules on ops1 fail promtool" in failed["ops1"] and "Fix the rule; nothing was changed" in failed["ops1"]
    assert "parse error" in failed["ops1"]


def test_a_mail_relay_postfix_cannot_use_is_refused_with_its_fix(runs):
    message = refused(runs["mail"], hosts=())[0]["app1"]
    assert "The mail relay on app1 (mta_relay, or monitoring_smtp_relay on a monitoring host) is " in message
    assert "smtp.example.org:587 --tls" in message
    assert "give a host, host:port or [host]:port" in message


def test_a_front_door_without_vips_binds_only_what_its_one_host_holds(runs):
    # The hosts with good input are stopped by check.yml's last task (run once, so on one of them).
    failed, _output = refused(runs["no_vip_address"], hosts=())
    assert "On lb1: keepalived_vips is empty, so no address moves between load balancers." in failed["lb1"]
    assert "This host does not hold 10.231.28.150, 10.231.28.101 (haproxy_web_address or haproxy_postgresql_address)" \
        in failed["lb1"]
    assert "bind its own address (10.231.28.11)" in failed["lb1"]
    failed, _output = refused(runs["no_vip_two_lbs"], hosts=())
    for host in ("lb1", "app1"):
        assert "The lb group has 2 hosts" in failed[host], failed[host]
        assert "give them a VIP in keepalived_vips" in failed[host]


def test_a_postgresql_frontend_on_postgresqls_own_address_is_refused(runs):
    failed, _output = refused(runs["lb_on_db"], hosts=())
    assert "db1 is a load balancer and a db host: haproxy's PostgreSQL frontend would bind 10.231.28.31:5432" \
        in failed["db1"], failed["db1"]
    assert "set haproxy_postgresql_enabled: false" in failed["db1"]


def test_a_backup_repository_beside_the_database_must_not_be_alone_nor_on_its_disk(runs):
    message = refused(runs["repo_on_db"], hosts=())[0]["db1"]
    assert "the only repository is on db1 (first host of group 'db'), which is also a db host" in message
    assert "add an off-site copy with pgbackrest_repo2" in message
    assert "set pgbackrest_repo_on_db_host_accepted: true to accept the risk" in message
    message = refused(runs["repo_on_data_disk"], hosts=())[0]["db1"]
    assert "the repository path(s) /var/lib/pgbackrest lie on the filesystem mounted at /, with PostgreSQL's data" \
        in message
    assert "Mount a second disk" in message
