"""What the common role must leave on every host, checked on the real hosts."""
import os
import subprocess

import pytest
import testinfra.utils.ansible_runner

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
HOSTS = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("all")
ADDRESSES = {"node1": "10.231.21.11", "node2": "10.231.21.12"}


@pytest.fixture(scope="module", params=HOSTS)
def host(request):
    return testinfra.get_host("ansible://" + request.param, ansible_inventory=INVENTORY)


def node(name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=INVENTORY)


def test_base_packages_installed(host):
    for package in ("nftables", "openssh-server", "sudo", "tzdata", "rsync"):
        assert host.package(package).is_installed, package


def test_time_zone_is_utc(host):
    assert host.file("/etc/localtime").linked_to.endswith("/UTC")
    assert host.check_output("date +%Z") == "UTC"


def test_time_sync_skipped_in_containers(host):
    # containers cannot set the clock; chrony would only fail there
    assert not host.package("chrony").is_installed


def test_every_host_and_alias_resolves(host):
    for name, address in {**ADDRESSES, "db": "10.231.21.100", "db-ro": "10.231.21.101"}.items():
        assert host.check_output("getent hosts %s", name).split()[0] == address


def test_hosts_reach_each_other_by_name(host):
    other = "node2" if host.backend.host == "node1" else "node1"
    assert host.run("ping -c1 -W2 %s", other).rc == 0


def test_sysctl_file_written(host):
    content = host.file("/etc/sysctl.d/60-hastack.conf").content_string
    assert "vm.swappiness = 10" in content
    assert "net.core.somaxconn = 4096" in content
    assert "net.unix.max_dgram_qlen = 512" in content


def test_admin_user_has_only_its_key_and_sudo(host):
    alice = host.user("alice")
    assert alice.exists and alice.shell == "/bin/bash"
    keys = host.file("/home/alice/.ssh/authorized_keys")
    assert keys.mode == 0o600 and keys.content_string.count("ssh-ed25519") == 1
    sudoers = host.file("/etc/sudoers.d/60-hastack-admins").content_string
    assert "alice ALL=(ALL:ALL) NOPASSWD: ALL" in sudoers
    assert "bob" not in sudoers
    assert host.run("sudo -l -U alice").stdout.count("NOPASSWD: ALL") == 1


def test_sshd_refuses_passwords(host):
    config = host.check_output("sshd -T")
    assert "passwordauthentication no" in config
    assert "kbdinteractiveauthentication no" in config
    assert host.service("ssh").is_running
    if host.file("/etc/debian_version").content_string.startswith("13"):
        # OpenSSH 10: the stack's own hosts are never penalised for each other's failed logins
        assert "persourcepenaltyexemptlist 10.231.21.11,10.231.21.12" in config
    else:
        assert "persourcepenalt" not in config


def test_firewall_drops_by_default(host):
    ruleset = host.check_output("nft list table inet hastack")
    assert "policy drop" in ruleset
    assert 'tcp dport 22 accept comment "ssh"' in ruleset
    assert host.service("nftables").is_enabled


@pytest.fixture()
def listeners():
    """Throwaway TCP listeners on node1: 8080 (allowed from node2) and 8081 (not)."""
    node1 = node("node1")
    for port in ("8080", "8081"):
        node1.run("systemd-run --unit probe-%s --collect python3 -m http.server %s --bind 0.0.0.0", port, port)
    node1.run("for i in $(seq 50); do ss -ltn | grep -q ':8081 ' && break; sleep 0.1; done")
    yield
    for port in ("8080", "8081"):
        node1.run("systemctl stop probe-%s", port)


def test_firewall_opens_only_declared_ports(listeners):
    node1, node2 = node("node1"), node("node2")
    assert node1.run("curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:8081/").rc == 0  # listening
    assert node2.run("curl -fsS -o /dev/null --max-time 3 http://node1:8080/").rc == 0
    assert node2.run("curl -fsS -o /dev/null --max-time 3 http://node1:8081/").rc != 0
    assert node2.run("timeout 3 bash -c '</dev/tcp/node1/22'").rc == 0
    # node1 declares no app rule, so node2's 8080 stays closed to node1
    assert node1.run("curl -fsS -o /dev/null --max-time 3 http://node2:8080/").rc != 0


def converge_with(extra_vars):
    """Run the converge playbook with bad input; return (rc, output)."""
    playbook = os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "converge.yml")
    result = subprocess.run(
        ["ansible-playbook", "-i", INVENTORY, playbook, "-e", extra_vars],
        capture_output=True, text=True, timeout=300, check=False,
    )
    return result.returncode, result.stdout + result.stderr


def recap_changes(output):
    return [line for line in output.splitlines() if " : ok=" in line and "changed=0 " not in line]


def test_bad_cidr_fails_before_any_change(host):
    before = host.file("/etc/nftables.d/00-hastack.nft").md5sum
    rc, output = converge_with('{"common_firewall_ssh_sources": ["10.0.0.300/24"]}')
    assert rc != 0
    assert "Invalid firewall source(s) 10.0.0.300/24" in output
    assert "host bits clear" in output
    assert recap_changes(output) == []
    assert host.file("/etc/nftables.d/00-hastack.nft").md5sum == before


def test_cidr_with_host_bits_fails():
    rc, output = converge_with('{"common_firewall_rules": [{"port": 80, "sources": ["10.231.21.5/24"]}]}')
    assert rc != 0 and "Invalid firewall source(s) 10.231.21.5/24" in output
    assert recap_changes(output) == []


def test_wrong_type_fails_before_any_change():
    rc, output = converge_with('{"common_firewall_ssh_port": "twenty-two"}')
    assert rc != 0
    assert "common_firewall_ssh_port" in output and "int" in output
    assert recap_changes(output) == []
