"""A new cluster under Patroni: one leader, two streaming replicas, quorum
commit, PostgreSQL started by Patroni alone."""
import json
import re
import time

from conftest import DBS, api, debian, healthy, node, pg_version, sql, wait_for


def test_one_leader_and_two_streaming_replicas_in_every_view():
    views = {host: wait_for(lambda h=host: healthy(h), "a leader and two streaming replicas from %s" % host, timeout=120)
             for host in DBS}
    assert len(set(views.values())) == 1, views
    lead, replicas = views["db1"]
    assert sorted((lead,) + replicas) == DBS


def test_patroni_4_0_7_is_the_pinned_wheel_on_debian_12_and_debians_package_on_13():
    for host in DBS:
        if debian(host) == "12":
            binary = "/opt/hastack/patroni/bin/patroni"
            assert not node(host).package("patroni").is_installed
        else:
            binary = "/usr/bin/patroni"
            assert node(host).package("patroni").is_installed and node(host).package("python3-etcd").is_installed
            assert not node(host).file("/opt/hastack/patroni").exists
        assert binary in node(host).file("/etc/systemd/system/patroni.service").content_string
        version = node(host).run(binary + " --version")
        assert version.rc == 0 and version.stdout.strip() == "patroni 4.0.7", version.stdout + version.stderr


def test_leader_names_both_replicas_for_quorum_commit():
    lead, replicas = wait_for(lambda: healthy("db1"), "a healthy cluster", timeout=120)

    def quorum():
        rows = sql(lead, "SHOW synchronous_standby_names")
        match = re.fullmatch(r"ANY 1 \((.*)\)", rows[0][0]) if rows else None
        return match and sorted(name.strip().strip('"') for name in match.group(1).split(","))

    assert wait_for(quorum, "ANY 1 (...) on the leader", timeout=60) == list(replicas)
    states = wait_for(lambda: sql(lead, "SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1"),
                      "pg_stat_replication on the leader")
    assert states == [[name, "streaming", "quorum"] for name in replicas]


def test_debian_unit_masked_and_postgres_under_patroni():
    for host in DBS:
        target, version = node(host), pg_version(host)
        # Debian's own PostgreSQL for the host's release, and no other.
        assert target.run("ls /usr/lib/postgresql").stdout.split() == [version]
        assert target.run("systemctl is-enabled postgresql@%s-main" % version).stdout.strip() == "masked"
        assert target.run("systemctl is-active postgresql@%s-main" % version).stdout.strip() == "inactive"
        assert target.service("patroni").is_running
        pid = target.file("/var/lib/postgresql/%s/main/postmaster.pid" % version).content_string.splitlines()[0]
        assert "patroni.service" in target.file("/proc/%s/cgroup" % pid).content_string
        assert target.file("/etc/postgresql/%s/main/start.conf" % version).content_string.strip() == "manual"
        assert not target.file("/etc/postgresql/%s/main/conf.d/90-hastack-replication.conf" % version).exists


def test_row_written_on_the_leader_is_read_on_both_replicas():
    lead, replicas = wait_for(lambda: healthy("db1"), "a healthy cluster", timeout=120)
    marker = "row-%d" % time.time_ns()
    assert sql(lead, "CREATE TABLE IF NOT EXISTS engine_probe (note text)") is not None
    assert sql(lead, "INSERT INTO engine_probe VALUES ('%s')" % marker) is not None
    for replica in replicas:
        wait_for(lambda r=replica: sql(r, "SELECT count(*) FROM engine_probe WHERE note = '%s'" % marker) == [["1"]],
                 "%s to read %s" % (replica, marker))


def test_tuning_file_and_checksums_apply_under_patroni():
    lead = wait_for(lambda: healthy("db1"), "a healthy cluster", timeout=120)[0]
    assert sql(lead, "SHOW shared_buffers") == [["64MB"]]  # a quarter of postgresql_memory_mb 256
    assert sql(lead, "SHOW ssl") == [["on"]]
    assert sql(lead, "SHOW data_checksums") == [["on"]]
    assert sql(lead, "SHOW max_connections") == [["200"]]


def test_rewind_role_has_only_pg_rewind_grants():
    lead = wait_for(lambda: healthy("db1"), "a healthy cluster", timeout=120)[0]
    rows = sql(lead, "SELECT rolsuper, rolreplication, "
                     "has_function_privilege('rewinder', 'pg_read_binary_file(text,bigint,bigint,boolean)', 'execute'), "
                     "has_function_privilege('rewinder', 'pg_ls_dir(text,boolean,boolean)', 'execute') "
                     "FROM pg_roles WHERE rolname = 'rewinder'")
    assert rows == [["f", "f", "t", "t"]]


def test_tcp_rules_are_tls_only_and_name_the_rewind_role():
    hba = node("db2").file("/etc/postgresql/%s/main/pg_hba.conf" % pg_version("db2")).content_string
    rules = [line.split() for line in hba.splitlines() if line and not line.startswith("#")]
    assert {rule[0] for rule in rules if rule[0] != "local"} == {"hostssl"}
    assert ["hostssl", "postgres", "rewinder", "10.231.30.31/32", "scram-sha-256"] in rules


def test_app_role_and_database_exist_on_every_member():
    for host in DBS:
        assert sql(host, "SELECT datname FROM pg_database WHERE datname = 'app'") == [["app"]]


def test_rest_api_refuses_writes_without_credentials_and_plain_http():
    status = api("db2", "/cluster", target="db1")[0]
    assert status == 200
    for method, path, body in (("POST", "/restart", {}), ("PATCH", "/config", {"ttl": 40}), ("POST", "/reload", None)):
        status = api("db2", path, target="db1", method=method, body=body)[0]
        assert status == 401, (method, path, status)
    status = api("db2", "/config", target="db1", method="PATCH", body={"ttl": 40}, user="patroni:wrong")[0]
    assert status == 401
    status = api("db2", "/cluster", target="db1", scheme="http")[0]
    assert status != 200
    status, text = api("db2", "/config", target="db1")
    assert status == 200 and json.loads(text)["ttl"] == 20  # the refused PATCH changed nothing
