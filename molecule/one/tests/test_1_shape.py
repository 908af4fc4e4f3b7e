"""One host carries the whole stack: the front door on its own address, the app, PostgreSQL
under a one-member Patroni cluster with a one-member etcd, and its own log server."""
import json

from conftest import ADDRESS, HOST, get, node, post_note, run_playbook, sql


def test_haproxy_serves_the_app_on_the_hosts_own_address():
    status, body = get("/")
    assert status == 200 and "hastack demo 1.0.0" in body
    listening = node(HOST).run("ss -Hltn").stdout
    assert "%s:80 " % ADDRESS in listening


def test_no_keepalived_and_no_address_but_the_hosts_own():
    host = node(HOST)
    assert not host.service("keepalived").is_running
    assert not host.service("keepalived").is_enabled
    assert not host.file("/etc/keepalived/keepalived.conf").exists
    addresses = json.loads(host.run("ip -4 -j addr show dev eth0").stdout)[0]["addr_info"]
    assert [entry["local"] for entry in addresses] == [ADDRESS]


def test_postgresql_owns_its_port_and_haproxy_has_no_postgresql_frontend():
    host = node(HOST)
    assert host.run("pg_isready -q -h %s -p 5432" % ADDRESS).rc == 0
    assert host.run("ss -Hltn 'sport = :5433'").stdout.strip() == ""
    haproxy_listens = host.run("ss -Hltnp").stdout
    assert [line for line in haproxy_listens.splitlines() if "haproxy" in line and ":5432 " in line] == []
    assert "postgresql_primary" not in host.file("/etc/haproxy/haproxy.cfg").content_string


def test_patroni_leads_a_one_member_cluster_on_a_one_member_etcd():
    host = node(HOST)
    view = host.run("curl -s --max-time 5 --cacert /etc/hastack/tls/ca.crt https://%s:8009/cluster" % ADDRESS)
    assert view.rc == 0, view.stderr
    members = json.loads(view.stdout)["members"]
    assert [(member["name"], member["role"], member["state"]) for member in members] == [(HOST, "leader", "running")]
    etcd = host.run("set -a; . /etc/default/etcd; ETCDCTL_API=3 etcdctl --endpoints=$ETCD_ADVERTISE_CLIENT_URLS "
                    "--cacert=$ETCD_TRUSTED_CA_FILE --cert=$ETCD_CERT_FILE --key=$ETCD_KEY_FILE member list -w json")
    assert etcd.rc == 0, etcd.stderr
    assert [member["name"] for member in json.loads(etcd.stdout)["members"]] == [HOST]


def test_a_note_written_through_the_front_door_is_stored():
    note = post_note("one host, one note")
    assert sql("SELECT body FROM notes WHERE id = %d" % note) == "one host, one note"


def test_the_hosts_logs_reach_its_own_log_server():
    host = node(HOST)
    token = "one-host-log-%s" % host.run("cat /proc/sys/kernel/random/uuid").stdout.strip()
    host.run("logger -t hastack-test %s" % token)
    found = host.run("for i in $(seq 60); do grep -rqs %s /var/log/remote && exit 0; sleep 1; done; exit 1" % token)
    assert found.rc == 0


def test_status_shows_the_one_host_shape():
    rc, output = run_playbook("status")
    assert rc == 0, output[-3000:]
    assert "shape: lb one1; app one1; db one1; dcs -; logserver one1; backup -; monitoring -" in output, output[-3000:]
    assert "front door: no VIP, on one1's own address" in output
    assert "leader: one1" in output
