"""Only members and db hosts reach the client port; only members the peer port.
app1 holds a valid certificate of the same CA: the firewall alone keeps it out."""
from conftest import ADDRESS, CA, CERT, KEY, OUTSIDER, node

PROBE = ("python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(3);"
         " sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)' %s %s")


def reachable(source, target, port):
    return node(source).run(PROBE, ADDRESS[target], str(port)).rc == 0


def test_member_reaches_client_and_peer_ports():
    assert reachable("db2", "db1", 2379)
    assert reachable("db2", "db1", 2380)


def test_outsider_reaches_neither_port():
    for member in ("db1", "db2", "db3"):
        assert not reachable(OUTSIDER, member, 2379)
        assert not reachable(OUTSIDER, member, 2380)
    # even with a certificate of the internal CA
    curl = node(OUTSIDER).run("curl -sS --max-time 5 --cacert %s --cert %s --key %s https://%s:2379/version",
                              CA, CERT, KEY, ADDRESS["db1"])
    assert curl.rc != 0 and "etcdserver" not in curl.stdout
