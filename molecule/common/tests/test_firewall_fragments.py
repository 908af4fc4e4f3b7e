"""A firewall fragment is checked with the whole ruleset before it reaches
/etc/nftables.d: a bad one is refused, the live rules stay, the boot config loads."""
import json
import os
import subprocess
import tempfile

import testinfra

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
FRAGMENT = "/etc/nftables.d/70-probe.nft"


def node1():
    return testinfra.get_host("ansible://node1", ansible_inventory=INVENTORY)


def install_fragment(content):
    """Install a fragment through common's firewall_rule entry point, as other roles do."""
    play = [{
        "name": "Install a firewall fragment",
        "hosts": "node1",
        "gather_facts": False,
        "tasks": [{
            "name": "Through the entry point",
            "ansible.builtin.include_role": {"name": "hastack.platform.common", "tasks_from": "firewall_rule.yml"},
            "vars": {
                "common_firewall_rule_file": os.path.basename(FRAGMENT),
                "common_firewall_rule_content": content,
                "common_firewall_rule_comment": "probe",
            },
        }],
    }]
    with tempfile.NamedTemporaryFile("w", suffix=".yml", dir=os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) as handle:
        json.dump(play, handle)
        handle.flush()
        result = subprocess.run(["ansible-playbook", "-i", INVENTORY, handle.name],
                                capture_output=True, text=True, timeout=300, check=False)
    return result.returncode, result.stdout + result.stderr


def test_bad_fragments_are_refused_and_nothing_changes():
    host = node1()
    ruleset = host.check_output("nft list ruleset")
    bad = [
        'add rule inet hastack input tcp dport 9999 acept comment "probe"\n',      # a typo
        'add rule inet hastack inbound tcp dport 9999 accept comment "probe"\n',   # a chain that does not exist
    ]
    for content in bad:
        rc, output = install_fragment(content)
        assert rc != 0, content
        assert "would break the firewall loaded at boot" in output, output[-2000:]
        assert not host.file(FRAGMENT).exists
        assert host.check_output("nft list ruleset") == ruleset
        # what the next boot (or nftables reload) loads still loads
        assert host.run("nft -c -f /etc/nftables.conf").rc == 0


def test_a_good_fragment_is_installed_and_loaded():
    host = node1()
    try:
        rc, output = install_fragment('add rule inet hastack input ip saddr 10.231.21.12 tcp dport 9999 accept comment "probe"\n')
        assert rc == 0, output[-2000:]
        assert host.file(FRAGMENT).exists
        assert 'tcp dport 9999 accept comment "probe"' in host.check_output("nft list chain inet hastack input")
    finally:
        host.run("rm -f %s && systemctl reload nftables", FRAGMENT)
    assert "probe" not in host.check_output("nft list chain inet hastack input")
