"""TLS on the web VIP with the given certificate; a reload drops nothing."""
import threading

from conftest import DB_VIP, WEB_VIP, node, psql, secret, single_holder, wait_for


def test_https_serves_the_given_certificate():
    client = node("app1")
    result = client.run("curl -sk -m 3 https://%s/tls" % WEB_VIP)
    assert result.rc == 0 and result.stdout.split()[1:] == ["/tls", "https"], result.stdout
    subject = client.run(
        "echo | openssl s_client -connect %s:443 -servername www.frontdoor.test 2>/dev/null"
        " | openssl x509 -noout -subject" % WEB_VIP).stdout
    assert "www.frontdoor.test" in subject
    # plain HTTP is still served here (haproxy_tls_redirect: false) and says so to the app
    assert client.run("curl -s -m 3 http://%s/plain" % WEB_VIP).stdout.split()[2] == "http"


def test_old_tls_versions_are_refused():
    assert node("app1").run("curl -sk -m 3 --tls-max 1.1 https://%s/" % WEB_VIP).rc != 0


def test_certificate_and_key_are_root_only():
    for name in ("lb1", "lb2"):
        pem = node(name).file("/etc/haproxy/certs/hastack.pem")
        assert pem.mode == 0o600 and pem.user == "root"


def test_a_reload_drops_no_request_and_no_session():
    active = wait_for(lambda: single_holder(WEB_VIP), "one holder of the web VIP")
    results = {}

    def requests():  # 300 sequential requests, each on a new connection
        results["http"] = node("app1").run(
            "for i in $(seq 300); do curl -s -o /dev/null -m 3 -w '%%{http_code}\\n' http://%s/; done" % WEB_VIP).stdout

    def session():  # one PostgreSQL session through the db VIP that outlives the reloads
        results["sql"] = node("db1").run(
            "PGPASSWORD=%s psql -XAt 'host=%s port=5432 user=probe dbname=postgres'"
            " -c 'SELECT pg_sleep(4)' -c 'SELECT 42'", secret("probe.pw"), DB_VIP)

    workers = [threading.Thread(target=requests), threading.Thread(target=session)]
    for worker in workers:
        worker.start()
    lb = node(active)
    for _reload in range(3):
        assert lb.run("systemctl reload haproxy && sleep 0.5").rc == 0
    for worker in workers:
        worker.join(120)
    codes = results["http"].split()
    assert len(codes) == 300 and set(codes) == {"200"}, "non-200 answers: %s" % sorted(set(codes))
    assert results["sql"].rc == 0 and results["sql"].stdout.split()[-1] == "42", results["sql"].stderr
    assert psql(5432, "SELECT 1") == "1"


def test_a_session_left_with_the_old_worker_ends_after_hard_stop_after():
    """The old worker checks no server after a reload: a session it keeps would
    outlive its server's failure, so it ends after haproxy_hard_stop_after (10 s here)."""
    active = wait_for(lambda: single_holder(DB_VIP), "one holder of the db VIP")
    results = {}

    def session():
        results["sql"] = node("db1").run(
            "PGPASSWORD=%s psql -XAt 'host=%s port=5432 user=probe dbname=postgres' -c 'SELECT pg_sleep(60)' -c 'SELECT 42'",
            secret("probe.pw"), DB_VIP)

    worker = threading.Thread(target=session)
    worker.start()
    wait_for(lambda: "pg_sleep" in psql(5432, "SELECT string_agg(query, ',') FROM pg_stat_activity WHERE usename = 'probe'"),
             "the session to run", timeout=10)
    assert node(active).run("systemctl reload haproxy").rc == 0
    worker.join(120)
    assert results["sql"].rc != 0 and "42" not in results["sql"].stdout, results["sql"]
    assert psql(5432, "SELECT 1") == "1"
