import socket
import uuid

import pytest
from conftest import CLIENTS, HOSTS, REMOTE, SERVER, SERVER_ADDRESS, node, remote_file, server_grep, wait_for


@pytest.mark.parametrize("host", HOSTS)
def test_whole_configuration_passes_rsyslogd_check(host):
    assert node(host).run("rsyslogd -N1").rc == 0


@pytest.mark.parametrize("host", HOSTS)
def test_a_message_reaches_the_server_in_its_host_and_program_file(host):
    token = uuid.uuid4().hex
    node(host).run_expect([0], "logger -t hastack-test hello-%s", token)
    wait_for(lambda: server_grep(token, remote_file(host, "hastack-test")), "%s's message on %s" % (host, SERVER))


def test_a_units_output_reaches_the_server_through_journald():
    token = uuid.uuid4().hex
    node("web1").run_expect([0], "systemd-run --wait --quiet -p SyslogIdentifier=hastack-unit sh -c 'echo unit-%s'", token)
    wait_for(lambda: server_grep(token, remote_file("web1", "hastack-unit")), "the unit's output on the server")


def test_a_program_name_cannot_write_outside_the_tree():
    token = uuid.uuid4().hex
    node("web1").run_expect([0], "logger -t ../../../../tmp/escape escape-%s", token)
    lines = wait_for(lambda: server_grep(token, "%s/web1" % REMOTE, recursive=True), "the message, somewhere under web1's directory")
    assert len(lines) == 1
    server = node(SERVER)
    assert server.run("grep -rlF %s /tmp /var /etc 2>/dev/null | grep -v '^%s/web1/'", token, REMOTE).stdout == ""


def test_files_are_readable_by_adm_only():
    path = remote_file("web1", "hastack-test")
    assert node(SERVER).file(path).mode == 0o640
    assert node(SERVER).file(path).group == "adm"
    assert node(SERVER).file("%s/web1" % REMOTE).mode == 0o750


@pytest.mark.parametrize("host", CLIENTS)
def test_the_server_presents_its_certificate_to_clients(host):
    out = node(host).run(
        "echo | openssl s_client -connect %s:2514 -CAfile /etc/hastack/tls/ca.crt -verify_hostname %s"
        " -verify_return_error 2>&1", SERVER_ADDRESS, SERVER)
    assert "Verify return code: 0 (ok)" in out.stdout, out.stdout[-500:]


def test_the_relp_port_is_closed_to_hosts_outside_the_inventory():
    # This machine reaches the network through its gateway, which is no inventory host.
    with pytest.raises(OSError):
        socket.create_connection((SERVER_ADDRESS, 2514), timeout=2).close()


def test_daily_rotation_keeps_the_old_file_and_writes_a_new_one():
    server = node(SERVER)
    server.run_expect([0], "logrotate --force /etc/logrotate.d/hastack-remote")
    assert server.file(remote_file("web1", "hastack-test") + ".1").exists
    token = uuid.uuid4().hex
    node("web1").run_expect([0], "logger -t hastack-test after-rotation-%s", token)
    wait_for(lambda: server_grep(token, remote_file("web1", "hastack-test")), "a message in the new file after rotation")
