"""TLS inside the stack: PostgreSQL accepts TLS only, clients verify the server's
name against the internal CA, and replication runs over TLS."""
import os

import psycopg2
import pytest

from conftest import ADDRESS, CA, DBS, VIP, leader, node, secret, settled, sql, wait_for

# The CA as the controller holds it (the inventory's pki directory).
CONTROLLER_CA = os.path.join(os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"]), ".pki", "ca.crt")


def psql(client, conninfo, query, password):
    return node(client).run("PGPASSWORD=%s PGCONNECT_TIMEOUT=5 psql -X -At %s -c %s", password, conninfo, query)


def roles():
    """(leader, a replica, the other replica) once one leader runs."""
    lead = wait_for(settled, "one leader that haproxy routes writes to", timeout=120)[0]
    others = [host for host in DBS if host != lead]
    return [lead] + others


def test_ca_key_stays_on_the_controller_and_host_keys_are_private():
    with open(os.path.join(os.path.dirname(CONTROLLER_CA), "ca.key")) as handle:
        ca_key = handle.read().splitlines()
    assert ca_key[0] == "-----BEGIN ENCRYPTED PRIVATE KEY-----"
    for host in ["lb1"] + DBS:
        key = node(host).file("/etc/hastack/tls/host.key")
        assert key.mode == 0o640 and key.user == "root" and key.group == "ssl-cert"
        # no copy of the CA key anywhere a host keeps files
        assert node(host).run("grep -rlF -- %s /etc /root /var/lib/postgresql", ca_key[1]).stdout == ""
    # postgres reads the key as a member of ssl-cert; other accounts cannot
    assert node("db1").run("runuser -u nobody -- cat /etc/hastack/tls/host.key").rc != 0


def test_client_without_tls_is_refused_and_nothing_changes():
    lead, _replica, client = roles()
    attempt = psql(client, "host=%s dbname=app user=app sslmode=disable" % lead, "CREATE TABLE tls_probe (id int)",
                   secret("app.pw"))
    assert attempt.rc != 0
    assert "no pg_hba.conf entry" in attempt.stderr and "no encryption" in attempt.stderr
    # replication without TLS is refused too, from a db host the hba names
    repl = node(client).run(
        "PGPASSFILE=/var/lib/postgresql/.pgpass runuser -u postgres -- psql -X -At "
        "'host=%s user=replicator dbname=postgres replication=true sslmode=disable' -c IDENTIFY_SYSTEM" % ADDRESS[lead])
    assert repl.rc != 0 and "no encryption" in repl.stderr
    assert sql(lead, "SELECT to_regclass('tls_probe') IS NULL", "app") == [["t"]]


def test_verified_client_by_name_is_let_in():
    lead, _replica, client = roles()
    ok = psql(client, "host=%s dbname=app user=app sslmode=verify-full sslrootcert=%s" % (lead, CA),
              "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", secret("app.pw"))
    assert ok.rc == 0, ok.stderr
    assert ok.stdout.strip() == "t"


def test_another_db_host_cannot_pass_for_the_leader():
    """A replica holds a valid certificate of the same CA, but not for the leader's name."""
    lead, replica, client = roles()
    attempt = psql(client, "host=%s hostaddr=%s dbname=app user=app sslmode=verify-full sslrootcert=%s"
                   % (lead, ADDRESS[replica], CA), "SELECT 1", secret("app.pw"))
    assert attempt.rc != 0
    assert 'does not match host name "%s"' % lead in attempt.stderr


def writer(**options):
    return psycopg2.connect(dbname="ledger", user="writer", password=secret("writer.pw"), port=5432,
                            connect_timeout=5, **options)


def test_client_through_the_db_alias_verifies_the_name():
    """What an app host does: dial db (the VIP), haproxy passes TLS through to the leader."""
    conn = writer(host="db", hostaddr=VIP, sslmode="verify-full", sslrootcert=CONTROLLER_CA)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            ssl, version = cur.fetchone()
    finally:
        conn.close()
    assert ssl is True and version.startswith("TLSv1.")


def test_a_name_not_in_the_certificate_is_refused():
    """The VIP's address is in no certificate: verify-full refuses it."""
    with pytest.raises(psycopg2.OperationalError, match="does not match host name"):
        writer(host=VIP, sslmode="verify-full", sslrootcert=CONTROLLER_CA).close()


def test_a_server_certificate_of_another_ca_is_refused():
    """Trusting only the system's public CAs, the internal certificate is refused."""
    with pytest.raises(psycopg2.OperationalError, match="certificate verify failed"):
        writer(host="db", hostaddr=VIP, sslmode="verify-full", sslrootcert="/etc/ssl/certs/ca-certificates.crt").close()


def test_replication_runs_over_tls_and_verifies_the_leader():
    lead, *replicas = roles()
    rows = sql(lead, "SELECT r.application_name, s.ssl FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)"
                     " ORDER BY 1")
    assert rows == [[host, "t"] for host in sorted(replicas)]
    for replica in replicas:
        assert "sslmode=verify-full" in sql(replica, "SHOW primary_conninfo")[0][0]
        assert "sslrootcert=%s" % CA in sql(replica, "SHOW primary_conninfo")[0][0]
    assert leader(lead) == lead
