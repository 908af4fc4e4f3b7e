"""A member whose configuration is newer than its process (a run stopped
before its handler) is restarted by the next run, alone, and comes back
healthy; the others keep running."""
from conftest import MEMBERS, all_urls, converge, etcdctl, node


def main_pid(host):
    return node(host).check_output("systemctl show etcd --property=MainPID --value")


def test_next_run_restarts_only_the_member_with_a_pending_configuration():
    before = {host: main_pid(host) for host in MEMBERS}
    # as if a run wrote db2's file and stopped before restarting it
    assert node("db2").run("sleep 2 && touch /etc/default/etcd").rc == 0
    rc, output = converge()
    assert rc == 0, output[-3000:]
    assert "Restart | Restart etcd on db2" in output
    assert "Restart | Restart etcd on db1" not in output and "Restart | Restart etcd on db3" not in output
    after = {host: main_pid(host) for host in MEMBERS}
    assert after["db2"] != before["db2"] and after["db2"] != "0"
    assert after["db1"] == before["db1"] and after["db3"] == before["db3"]
    assert etcdctl("db1", "endpoint", "health", endpoints=all_urls()).rc == 0
