"""A client stops while its log server is frozen (it holds the RELP session open but never answers):
rsyslog must end within its own session timeout, saving its queue, not be killed by systemd's
stop timeout with the queue in memory. The line logged just before the restart arrives once the
server answers again."""
import uuid

from conftest import SERVER, node, remote_file, server_grep, wait_for
from scenario_helpers import CONTAINER_PREFIX, docker

CLIENT = "web1"


def test_a_client_stopping_while_the_server_is_frozen_saves_its_queue_and_delivers_it_later():
    client = node(CLIENT)
    token = "frozen-server-%s" % uuid.uuid4().hex
    client.run_expect([0], "logger -t hastack-frozen before-freeze")
    wait_for(lambda: server_grep("before-freeze", remote_file(CLIENT, "hastack-frozen")), "the session to be up",
             timeout=60)
    assert docker("pause", CONTAINER_PREFIX + SERVER).returncode == 0
    try:
        client.run_expect([0], "logger -t hastack-frozen %s" % token)
        since = client.check_output("date +%s")
        restart = client.run("systemctl restart rsyslog")
        assert restart.rc == 0, restart.stderr
        stopping = client.run("journalctl -u rsyslog --no-pager -o cat --since @%s" % since).stdout
        assert "Stopping" in stopping or "Stopped" in stopping, stopping
        assert "Killing" not in stopping and "Failed with result 'timeout'" not in stopping, stopping
    finally:
        assert docker("unpause", CONTAINER_PREFIX + SERVER).returncode == 0
    wait_for(lambda: server_grep(token, remote_file(CLIENT, "hastack-frozen")), "the line saved with the queue",
             timeout=180, every=2)
