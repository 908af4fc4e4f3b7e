"""Adoption: prepare.yml built the cluster the previous release builds (the
manual engine) and started a writer through the VIP; converge.yml ran
site.yml with postgresql_engine: patroni over it, then idempotence and check
ran. Patroni must have taken the cluster over with its data, its primary and
its standbys, losing no acknowledged row, and the manual engine's pieces are
gone."""
import json
import os

import pytest

from conftest import ADDRESS, DBS, HOST_OF, Writer, healthy, missing_rows, node, record, sql, wait_for, writer_dsn

EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]


@pytest.fixture(scope="module")
def before():
    with open(os.path.join(EPHEMERAL, "adoption-before.json")) as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def writer():
    """The prepare step's writer, stopped, with what it saw."""
    out = os.path.join(EPHEMERAL, "adoption-writer.json")
    with open(os.path.join(EPHEMERAL, "adoption-writer.stop"), "w"):
        pass
    wait_for(lambda: os.path.exists(out), "the adoption writer's results", timeout=60)
    with open(out) as handle:
        seen = json.load(handle)
    stopped = Writer(writer_dsn(), rate=1.0 / seen["interval"])
    stopped.acked = [tuple(row) for row in seen["acked"]]
    stopped.errors = [tuple(row) for row in seen["errors"]]
    return stopped


def test_the_old_primary_leads_the_same_cluster(before):
    assert len(before["primary"]) == 1 and len(before["system_identifiers"]) == 1, before
    lead, _replicas = wait_for(lambda: healthy("db1"), "a leader and two streaming replicas", timeout=120)
    assert lead == before["primary"][0]
    for host in DBS:
        assert sql(host, "SELECT system_identifier FROM pg_control_system()") == [before["system_identifiers"]], host


def test_no_acknowledged_row_lost_and_one_primary_took_writes(writer, before):
    assert len(writer.acked) > 200, writer.errors[-5:]
    assert missing_rows(writer_dsn(), writer.acked) == []
    assert [HOST_OF[server] for server in writer.server_changes()] == before["primary"]
    first, last = writer.acked[0][2], writer.acked[-1][2]
    record("adoption (converge, idempotence, check): longest write gap (s)", "%.2f" % writer.gap(first, last))
    record("adoption: failed writes", len(writer.errors))


def test_the_manual_engine_is_gone():
    for host in DBS:
        target = node(host)
        assert not target.file("/etc/systemd/system/hastack-pg-agent.service").exists, host
        assert not target.file("/etc/systemd/system/postgresql@.service.d/60-hastack-start-guard.conf").exists, host
        assert not target.socket("tcp://0.0.0.0:8008").is_listening, host
        assert not target.socket("tcp://%s:8008" % ADDRESS[host]).is_listening, host
        assert "8008" not in target.run("nft list chain inet hastack input").stdout, host
