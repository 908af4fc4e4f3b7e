"""A setting that needs a restart (max_connections, in Patroni's dynamic
configuration) under a writer through the VIP: without
postgresql_allow_primary_restart the replicas restart one at a time and the
leader keeps running with the restart pending; with it, the lease goes to a
replica first and the former leader restarts as a replica. No acknowledged
row is lost. The first of these runs also renews a certificate that is
about to expire, and the replica serves the new one."""
import datetime
import os
import subprocess
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from conftest import (
    ADDRESS, DBS, PREFIX, converge, leader, members, missing_rows, node, record, secret, settled,
    sql, wait_for, writer_dsn,
)

CERT = "/etc/hastack/tls/host.crt"
PKI_DIR = os.path.join(os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"]), ".pki")

SETTING = ["-e", "postgresql_max_connections=210"]


def started_at():
    """{host: postmaster start time} for every db host."""
    return {host: (sql(host, "SELECT pg_postmaster_start_time()") or [[None]])[0][0] for host in DBS}


def install_short_certificate(host, days=5):
    """Re-sign the host's certificate (same key and names) to expire in a few days; PostgreSQL serves it."""
    current = x509.load_pem_x509_certificate(node(host).file(CERT).content_string.encode())
    with open(os.path.join(PKI_DIR, "ca.crt"), "rb") as handle:
        ca = x509.load_pem_x509_certificate(handle.read())
    with open(os.path.join(PKI_DIR, "ca.key"), "rb") as handle:
        ca_key = serialization.load_pem_private_key(handle.read(), password=secret("pki.pw").encode())
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(current.subject).issuer_name(ca.subject)
               .public_key(current.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=days)))
    for extension in current.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    short = builder.sign(ca_key, hashes.SHA256())
    subprocess.run(["docker", "exec", "-i", PREFIX + host, "sh", "-c", "cat > %s" % CERT],
                   input=short.public_bytes(serialization.Encoding.PEM), check=True, timeout=60)
    assert sql(host, "SELECT pg_reload_conf()") == [["t"]]
    return short.serial_number


def served_serial(host):
    """Serial of the certificate PostgreSQL presents on the host's address."""
    result = node(host).run("openssl s_client -starttls postgres -connect %s:5432 </dev/null 2>/dev/null"
                            " | openssl x509 -noout -serial", ADDRESS[host])
    return int(result.stdout.strip().split("=")[1], 16) if result.stdout.startswith("serial=") else None


def test_replicas_restart_and_the_leader_waits(writer):
    lead, replicas = wait_for(settled, "a settled cluster", timeout=120)
    short_serial = install_short_certificate(replicas[0])
    wait_for(lambda: served_serial(replicas[0]) == short_serial, "%s to serve the short certificate" % replicas[0])
    before = started_at()
    rc, out = converge(*SETTING)
    assert rc == 0, out
    # the certificate about to expire was reissued, and PostgreSQL serves the new one
    renewed = x509.load_pem_x509_certificate(node(replicas[0]).file(CERT).content_string.encode())
    assert renewed.serial_number != short_serial
    assert renewed.not_valid_after_utc > datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=300)
    assert served_serial(replicas[0]) == renewed.serial_number
    after = started_at()
    assert all(after[host] != before[host] for host in replicas), (before, after)
    assert after[lead] == before[lead]
    assert leader(lead) == lead
    assert "The leader %s needs a restart (max_connections)" % lead in out, out
    assert members(lead)[lead].get("pending_restart") is True
    for host in replicas:
        assert sql(host, "SHOW max_connections") == [["210"]], host


def test_allow_primary_restart_switches_over_first(writer):
    lead, _replicas = wait_for(settled, "a settled cluster", timeout=120)
    before = started_at()
    started = time.monotonic()
    rc, out = converge(*SETTING, "-e", "postgresql_allow_primary_restart=true")
    assert rc == 0, out
    new = wait_for(lambda: (settled() or [None])[0], "a settled cluster after the restart", timeout=120)
    assert new != lead
    assert started_at()[lead] != before[lead]
    # Nothing is left pending anywhere, so a further run has nothing to restart (the role restarts
    # only members Patroni reports pending); that such a run changes nothing is the idempotence step's.
    for host in DBS:
        assert sql(host, "SHOW max_connections") == [["210"]], host
        assert not members(new)[host].get("pending_restart"), host
    wait_for(lambda: writer.first_ack_after(started, ADDRESS[new]), "a write acknowledged by " + new, timeout=60)
    record("rolling restart with switchover: longest write gap (s)", "%.2f" % writer.gap(started, time.monotonic()))


def test_no_acknowledged_row_is_missing(writer):
    acked = list(writer.acked)
    assert len(acked) > 100
    assert missing_rows(writer_dsn(), acked) == []
