"""Every target of the inventory is scraped by both monitoring hosts, every exporter is closed to
all but them, the two Alertmanagers are one cluster, and the facts the alerts need are there."""
import os

import pytest

from conftest import (ADDRESS, MON, MONITORING_HOSTS, PREFIX, PROMETHEUS, api, docker, firing, node, query, rendered,
                      wait_for)

EXPECTED_TARGETS = {
    "node": {"lb1", "app1", "db1", "db2", "ops1", "mon1", "mon2"},
    "postgres": {"db1", "db2"},
    "patroni": {"db1", "db2"},
    "etcd": {"db1", "db2", "ops1"},
    "haproxy": {"lb1"},
    "prometheus": {"mon1", "mon2"},
    "alertmanager": {"mon1", "mon2"},
    "vip_web": {"http://10.231.31.100:80/"},
    "vip_postgresql": {"10.231.31.100:5432", "10.231.31.100:5433"},
}


def targets(prometheus):
    found = {}
    for target in api("http://%s:9090/api/v1/targets" % ADDRESS[prometheus])["data"]["activeTargets"]:
        found.setdefault(target["labels"]["job"], {})[target["labels"]["instance"]] = target["health"]
    return found


@pytest.mark.parametrize("prometheus", MONITORING_HOSTS)
def test_every_target_of_the_inventory_is_scraped_and_up(prometheus):
    def all_up():
        found = targets(prometheus)
        return found if all(found.get(job, {}).get(i) == "up" for job, hosts in EXPECTED_TARGETS.items()
                            for i in hosts) else None
    found = wait_for(all_up, "every target up on %s" % prometheus, timeout=90, every=2)
    assert {job: set(hosts) for job, hosts in found.items()} == EXPECTED_TARGETS


def test_the_alertmanagers_are_one_cluster():
    members = wait_for(lambda: [v for _m, v in query("alertmanager_cluster_members")] == [2.0, 2.0]
                       or None, "both Alertmanagers seeing two members", timeout=60, every=2)
    assert members
    for host in MONITORING_HOSTS:
        status = api("http://%s:9093/api/v2/status" % ADDRESS[host])["cluster"]
        assert status["status"] == "ready" and len(status["peers"]) == 2, (host, status)


@pytest.mark.parametrize("host, port", [("db1", 9187), ("db2", 9100), ("lb1", 8406), ("db1", 2381), ("ops1", 9100)])
def test_exporters_answer_the_monitoring_host_only(host, port):
    url = "http://%s:%d/metrics" % (ADDRESS[host], port)
    assert node(MON).run("curl -sf -m 5 -o /dev/null %s", url).rc == 0
    assert node("app1").run("curl -sf -m 3 -o /dev/null %s", url).rc != 0


def test_prometheus_and_alertmanager_are_closed_to_other_hosts():
    for port in (9090, 9093):
        assert node("app1").run("curl -sf -m 3 -o /dev/null http://%s:%s/", ADDRESS[MON], str(port)).rc != 0
    # Alertmanager's cluster port (not HTTP): the other monitoring host connects, app1 cannot.
    connect = "timeout 3 bash -c 'exec 3<>/dev/tcp/%s/9094'" % ADDRESS[MON]
    assert node("mon1").run(connect).rc == 0
    assert node("app1").run(connect).rc != 0


def test_the_blackbox_exporter_listens_on_loopback_only():
    local = node(MON).run("ss -Htln 'sport = :9115' | awk '{print $4}'").stdout.split()
    assert local == ["127.0.0.1:9115"]


def test_the_monitoring_database_role_has_no_way_in_but_the_socket_as_prometheus():
    db = node("db1")
    as_prometheus = db.run("runuser -u prometheus -- psql -h /var/run/postgresql -U hastack_monitor -d postgres -Atc 'select 1'")
    assert as_prometheus.stdout.strip() == "1", as_prometheus.stderr
    as_root = db.run("psql -h /var/run/postgresql -U hastack_monitor -d postgres -w -Atc 'select 1'")
    assert as_root.rc != 0
    over_tcp = db.run("runuser -u prometheus -- psql -h 127.0.0.1 -U hastack_monitor -d postgres -w -Atc 'select 1'")
    assert over_tcp.rc != 0
    cannot_write = db.run("runuser -u prometheus -- psql -h /var/run/postgresql -U hastack_monitor -d demo -Atc "
                          "'create table t (i int)'")
    assert cannot_write.rc != 0


def test_the_facts_the_alerts_need_are_there():
    def ready():
        return (query('hastack_vip_held{instance="lb1", vip="web"}')
                and query("hastack_app_release_info")
                and query('pgbackrest_backup_since_last_completion_seconds{backup_type="full"}')
                and query("hastack_pg_node_replica") and query("patroni_primary == 1")
                and query('hastack_rsyslog_queue_size{instance="app1", queue=~"hastack_forward.*"}'))
    wait_for(ready, "the stack's facts in Prometheus", timeout=60, every=2)
    assert query('hastack_vip_held{instance="lb1", vip="web"}')[0][1] == 1
    assert [(m["instance"], m["release"]) for m, v in query("hastack_app_release_info") if v == 1] == [("app1", "1.0.0")]
    assert len(query("patroni_primary == 1")) == 1
    assert sorted(v for _m, v in query("hastack_pg_node_replica")) == [0.0, 1.0]
    assert len(query('hastack_pg_standby_lag_bytes')) == 1
    assert query("sum(etcd_server_has_leader)")[0][1] == 3
    assert query('haproxy_backend_active_servers{proxy="app"}')[0][1] == 1
    assert query('probe_success{job="vip_web"}')[0][1] == 1
    assert query('node_systemd_unit_state{name="patroni.service", state="active"}')
    # Every host forwards its logs to ops1: each one's forwarding queue is counted.
    forwarding = {m["instance"] for m, _v in query('hastack_rsyslog_queue_size{queue=~"hastack_forward.*"}')}
    assert {"lb1", "app1", "db1", "db2", "mon1", "mon2"} <= forwarding


def test_the_healthy_stack_has_no_alert_firing():
    # Containers share this machine's kernel clock: when the kernel says it is not synchronised,
    # every host truly is not, and that alert is right to fire.
    unsynchronised = any(v == 0 for _m, v in query("node_timex_sync_status"))
    expected = {"ClockNotSynchronised"} if unsynchronised else set()
    # Bounded wait: rates look back 5 minutes, so a rerun right after the fault tests sees their tail.
    wait_for(lambda: {a["alertname"] for a in firing()} <= expected, "only %s firing" % sorted(expected),
             timeout=420, every=5)


@pytest.mark.parametrize("host", MONITORING_HOSTS)
def test_the_monitoring_configuration_passes_its_checks_on_the_host(host):
    mon = node(host)
    assert mon.run("promtool check config /etc/prometheus/prometheus.yml").rc == 0
    assert mon.run("amtool check-config /etc/prometheus/alertmanager.yml").rc == 0
    assert mon.file("/etc/prometheus/alertmanager.yml").mode == 0o640
    assert docker("exec", PREFIX + host, "systemctl", "is-active", "prometheus", "prometheus-alertmanager",
                  "prometheus-blackbox-exporter", "postfix").returncode == 0


PAGES = ["/consoles/hastack.html", "/consoles/hastack-db.html", "/consoles/hastack-frontdoor.html",
         "/consoles/hastack-backup.html", "/consoles/hastack-hosts.html"]


@pytest.mark.parametrize("page", PAGES)
def test_every_console_page_renders(page):
    result = node(MON).run("curl -s -m 10 -w '\\n%%{http_code}' %s", PROMETHEUS + page)
    body, _sep, status = result.stdout.rpartition("\n")
    assert status == "200", body[-500:]
    assert "error executing template" not in body and "hastack: " in body


def test_the_overview_names_the_leader_the_vip_holder_and_the_release():
    leader = [m["instance"] for m, _v in query("patroni_primary == 1")][0]
    page = rendered("/consoles/hastack.html")
    assert "leader %s" % leader in page
    assert '<span class="ok">lb1</span>' in page  # holds the web VIP
    assert "Alerts firing" in page


def test_record_the_scrape_cost():
    """Figures, not assertions: samples per scrape, Prometheus's memory and ingest, exporters' CPU on db1."""
    figures = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], ".work", "logs", "monitoring-figures.txt")
    os.makedirs(os.path.dirname(figures), exist_ok=True)
    lines = ["scrape cost (scrape interval %s)" % api(PROMETHEUS + "/api/v1/status/config")["data"]["yaml"]
             .split("scrape_interval:")[1].split()[0]]
    per_job = sorted((m["job"], v) for m, v in query("sum by (job) (scrape_samples_scraped)"))
    lines += ["  samples per scrape, %-16s %6.0f" % (job, value) for job, value in per_job]
    lines.append("  samples per scrape, all targets     %6.0f" % sum(v for _j, v in per_job))
    ingest = query("rate(prometheus_tsdb_head_samples_appended_total[2m])")[0][1]
    lines.append("  samples ingested per second          %6.0f" % ingest)
    lines.append("  head series                          %6.0f" % query("prometheus_tsdb_head_series")[0][1])
    lines.append("  Prometheus resident memory           %6.0f MiB"
                 % (query('process_resident_memory_bytes{job="prometheus"}')[0][1] / 2 ** 20))
    lines.append("  disk per day at 1.3 bytes per sample %6.0f MiB" % (ingest * 86400 * 1.3 / 2 ** 20))
    for job, value in sorted((m["job"], v) for m, v in
                             query('sum by (job) (rate(process_cpu_seconds_total{instance="db1"}[2m]))')):
        lines.append("  CPU on db1, %-24s %6.2f %% of a core" % (job, value * 100))
    with open(figures, "a") as handle:
        handle.write("\n".join(lines) + "\n")
    assert per_job  # the figures came from Prometheus, not from nowhere
