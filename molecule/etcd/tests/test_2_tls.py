"""Clients must use TLS and present a certificate of the internal CA: the
server rejects the others during the handshake and says why in its log."""
import json

from conftest import ADDRESS, CA, CERT, KEY, etcdctl, node, url, wait_for


def now(host):
    return node(host).check_output("date +%s")


def rejections(host, since, source):
    """Errors etcd logged on host since the given time for connections it rejected from source."""
    lines = node(host).check_output("journalctl -u etcd --since @%s -o cat --no-pager", since).splitlines()
    errors = []
    for line in lines:
        # etcd 3.4: "rejected connection"; 3.5: "rejected connection on client endpoint" (or peer)
        if line.startswith("{") and '"rejected connection' in line:
            entry = json.loads(line)
            if entry.get("msg", "").startswith("rejected connection") and \
                    entry.get("remote-addr", "").startswith(ADDRESS[source] + ":"):
                errors.append(entry.get("error", ""))
    return errors


def test_client_without_certificate_is_refused():
    with_cert = etcdctl("db2", "get", "/hastack-test/any", endpoints=[url("db1")])
    assert with_cert.rc == 0, with_cert.stderr
    since = now("db1")
    without = etcdctl("db2", "get", "/hastack-test/any", endpoints=[url("db1")], cert=False)
    assert without.rc != 0 and without.stdout == ""
    curl = node("db2").run("curl -sS --max-time 5 --cacert %s %s/version", CA, url("db1"))
    assert curl.rc != 0 and "etcdserver" not in curl.stdout
    wait_for(lambda: "tls: client didn't provide a certificate" in rejections("db1", since, "db2"),
             "db1 logging the rejected client without a certificate", timeout=15, every=1)
    # the same request with the host's certificate is answered
    curl = node("db2").run("curl -sS --max-time 5 --cacert %s --cert %s --key %s %s/version", CA, CERT, KEY, url("db1"))
    assert curl.rc == 0 and "etcdserver" in curl.stdout, curl.stderr


def test_plaintext_client_is_refused():
    since = now("db1")
    plain = etcdctl("db2", "get", "/hastack-test/any", endpoints=[url("db1", scheme="http")], cert=False)
    assert plain.rc != 0 and plain.stdout == ""
    curl = node("db2").run("curl -sS --max-time 5 %s/version", url("db1", scheme="http"))
    assert curl.rc != 0 and "etcdserver" not in curl.stdout, curl.stdout
    wait_for(lambda: "tls: first record does not look like a TLS handshake" in rejections("db1", since, "db2"),
             "db1 logging the rejected plaintext client", timeout=15, every=1)


def test_peer_port_requires_a_member_certificate():
    since = now("db1")
    curl = node("db2").run("curl -sS --max-time 5 --cacert %s %s/members", CA, url("db1", port=2380))
    assert curl.rc != 0
    wait_for(lambda: "tls: client didn't provide a certificate" in rejections("db1", since, "db2"),
             "db1 logging the rejected peer without a certificate", timeout=15, every=1)
