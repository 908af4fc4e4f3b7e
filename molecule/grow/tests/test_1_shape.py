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


def test_postgresql_owns_its_port_and_the_app_reaches_it_through_haproxy():
    host = node(HOST)
    assert host.run("pg_isready -q -h %s -p 5432" % ADDRESS).rc == 0
    config = host.file("/etc/haproxy/haproxy.cfg").content_string
    binds = [line.split()[1] for line in config.splitlines() if line.strip().startswith("bind ")]
    assert "%s:6432" % ADDRESS in binds and not [bind for bind in binds if bind.endswith(":5432")], binds
    assert "%s:6432 " % ADDRESS in host.run("ss -Hltn").stdout
    # The app's sessions (one per worker, kept open) arrive through haproxy: from the host's own
    # address, over TLS; a direct one would come from the same address, so the frontend's own count says it.
    assert get("/")[0] == 200
    sessions = sql("SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                   "WHERE a.usename = 'demo' AND s.ssl AND a.client_addr = '%s'" % ADDRESS, "postgres")
    assert int(sessions) >= 1
    stats = host.run("echo 'show stat' | socat stdio /run/haproxy/admin.sock")
    assert stats.rc == 0, stats.stderr
    frontend = [line.split(",") for line in stats.stdout.splitlines() if line.startswith("postgresql_rw,FRONTEND")]
    assert frontend and int(frontend[0][4]) >= 1, stats.stdout  # scur: the app's open sessions


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
    assert "shape: lb one1; app one1; db one1; dcs -; logserver one1; backup one1; monitoring -" in output, output[-3000:]
    assert "front door: no VIP, on one1's own address" in output
    assert "leader: one1" in output
