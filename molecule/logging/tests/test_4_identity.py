"""A sender is stored under the inventory host its address belongs to, never
the name its messages claim; the server takes only TLS clients with a
certificate for a permitted name."""
import uuid

from conftest import (
    REMOTE, SCENARIO_DIR, SERVER, ansible_playbook, files_holding, node, relp_probe, remote_file, server_grep, wait_for,
)


def test_a_host_claiming_another_hosts_name_is_stored_under_its_own():
    token = uuid.uuid4().hex
    with relp_probe("web1", claimed="web2") as send:
        send("hastack-forge", "forged-%s" % token)
        lines = wait_for(lambda: server_grep(token, remote_file("web1", "hastack-forge")), "the forged message under web1")
    # The claim did reach the server (it is in the line), and changed nothing.
    assert " web2 hastack-forge" in lines[0], lines
    assert files_holding(token) == [remote_file("web1", "hastack-forge")]
    assert server_grep(token, "%s/web2" % REMOTE, recursive=True) == []


def test_an_address_outside_the_inventory_is_stored_as_unknown():
    # 127.0.0.1 is no inventory host's address, though the certificate is valid.
    token = uuid.uuid4().hex
    with relp_probe(SERVER, claimed="web2", target="127.0.0.1") as send:
        send("hastack-stranger", "stranger-%s" % token)
        wait_for(lambda: server_grep(token, remote_file("unknown-127.0.0.1", "hastack-stranger")), "the message as unknown")
    assert files_holding(token) == [remote_file("unknown-127.0.0.1", "hastack-stranger")]


def server_errors(text):
    """The server's own rsyslogd lines (it logs to itself) that contain text."""
    return server_grep(text, remote_file(SERVER, "rsyslogd"))


def refused_while_a_good_client_gets_through(why, **probe):
    """Send through a probe with these settings, then through a good one;
    once the second message has arrived and the server has logged why it
    refused the first, return where the first message landed."""
    refused, control = uuid.uuid4().hex, uuid.uuid4().hex
    logged = len(server_errors(why))
    with relp_probe("web1", **probe) as send_refused:
        send_refused("hastack-refused", "refused-%s" % refused)
        wait_for(lambda: len(server_errors(why)) > logged, "the server's refusal: %s" % why)
        with relp_probe("web1") as send_good:
            send_good("hastack-control", "control-%s" % control)
            wait_for(lambda: server_grep(control, remote_file("web1", "hastack-control")), "the good client's message")
    return files_holding(refused)


def test_a_certificate_for_a_wrong_name_is_refused():
    # Signed by the same CA, for a name that is no inventory host.
    rc, output = ansible_playbook(SCENARIO_DIR + "/intruder.yml")
    assert rc == 0, output[-2000:]
    assert refused_while_a_good_client_gets_through(
        "no permited name found', peer is 'DNSname: intruder;",
        cert="/root/intruder/intruder.crt", key="/root/intruder/intruder.key") == []


def test_a_client_without_tls_is_refused():
    assert refused_while_a_good_client_gets_through("conn to clt 10.231.26.21/web1", tls=False) == []


def test_the_server_holds_no_directory_named_by_a_claim():
    # Only inventory hosts and unknown-<address> directories exist.
    names = set(node(SERVER).run("ls %s", REMOTE).stdout.split())
    assert names <= {"log1", "web1", "web2", "unknown-127.0.0.1"}, names
