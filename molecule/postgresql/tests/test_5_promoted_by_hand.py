"""A standby is promoted by hand and the old primary stopped: re-running the
role keeps the new primary, clones nothing, and brings the old one back as its
standby with pg_rewind. Runs last: it starts from the primary the failover
tests left. The same converge renews a certificate that is about to expire."""
import datetime
import os
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from conftest import ADDRESS, DBS, PREFIX, converge, node, primaries, secret, value as sql, wait_for

CERT = "/etc/hastack/tls/host.crt"
PKI_DIR = os.path.join(os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"]), ".pki")


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
    node(host).run_expect([0], "pg_ctlcluster 15 main reload")
    return short.serial_number


def served_serial(host):
    """Serial of the certificate PostgreSQL presents on the host's address."""
    result = node(host).run("openssl s_client -starttls postgres -connect %s:5432 </dev/null 2>/dev/null"
                            " | openssl x509 -noout -serial", ADDRESS[host])
    return int(result.stdout.strip().split("=")[1], 16) if result.stdout.startswith("serial=") else None


def test_rerun_after_a_manual_promotion():
    (old,) = primaries()
    new, bystander = [host for host in DBS if host != old]
    marker = "/var/lib/postgresql/15/main/hastack-test-not-recloned"
    node(bystander).run("touch %s", marker)
    sysid = sql(bystander, "SELECT system_identifier FROM pg_control_system()")
    short_serial = install_short_certificate(bystander)
    wait_for(lambda: served_serial(bystander) == short_serial, "%s to serve the short certificate" % bystander)

    node(old).run("systemctl stop postgresql@15-main")
    assert sql(new, "SELECT pg_promote(true, 60)") == "t"
    wait_for(lambda: sql(new, "SELECT pg_is_in_recovery()") == "f", "%s to be writable" % new)

    rc, output = converge()
    assert rc == 0, output[-3000:]
    assert "%s was a primary and %s is the primary now" % (old, new) in output

    # nobody flipped back: the new primary stays; the others are its standbys
    assert sql(new, "SELECT pg_is_in_recovery()") == "f"
    assert sql(old, "SELECT pg_is_in_recovery()") == "t"
    assert sql(bystander, "SELECT pg_is_in_recovery()") == "t"
    wait_for(lambda: sql(old, "SELECT status FROM pg_stat_wal_receiver") == "streaming", "%s to stream from %s" % (old, new))
    assert "host=%s" % ADDRESS[new] in sql(old, "SHOW primary_conninfo")
    wait_for(lambda: sql(new, "SELECT count(*) FROM pg_replication_slots WHERE active") == "2", "both slots in use")
    # nothing was cloned: the bystander kept its data directory
    assert node(bystander).file(marker).exists
    assert sql(bystander, "SELECT system_identifier FROM pg_control_system()") == sysid
    # the bystander follows the new primary, on its timeline, and writes reach it
    wait_for(lambda: sql(bystander, "SELECT status FROM pg_stat_wal_receiver") == "streaming",
             "%s to stream from %s" % (bystander, new))
    assert "host=%s" % ADDRESS[new] in sql(bystander, "SHOW primary_conninfo")
    sql(new, "CREATE TABLE after_promotion (id int)")
    sql(new, "INSERT INTO after_promotion VALUES (42)")
    wait_for(lambda: sql(bystander, "SELECT to_regclass('after_promotion') IS NOT NULL") == "t", "the table on the bystander")
    assert sql(bystander, "SELECT id FROM after_promotion") == "42"

    # the certificate about to expire was reissued, and PostgreSQL serves the new one
    renewed = x509.load_pem_x509_certificate(node(bystander).file(CERT).content_string.encode())
    assert renewed.serial_number != short_serial
    assert renewed.not_valid_after_utc > datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=300)
    assert served_serial(bystander) == renewed.serial_number
