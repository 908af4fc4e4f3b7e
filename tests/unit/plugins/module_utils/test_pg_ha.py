from __future__ import annotations

import os

from ansible_collections.hastack.platform.plugins.module_utils import pg_ha

ROLE_TEMPLATE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'postgresql', 'templates',
                             '90-hastack-replication.conf.j2')


def test_streams_from_needs_the_right_sender():
    report = dict(running=True, in_recovery=True, wal_receiver=dict(status='streaming', sender_host='10.0.0.32'))
    assert pg_ha.streams_from(report, '10.0.0.32')
    assert not pg_ha.streams_from(report, '10.0.0.31')
    assert not pg_ha.streams_from(dict(report, wal_receiver=dict(status='waiting', sender_host='10.0.0.32')), '10.0.0.32')


def test_conninfo_verifies_the_peer_when_tls_is_on():
    plain = pg_ha.conninfo('10.0.0.32', 5432, 'replicator', '/p', 'db1')
    assert 'ssl' not in plain
    tls = pg_ha.conninfo('10.0.0.32', 5432, 'replicator', '/p', 'db1', 'verify-full', '/etc/hastack/tls/ca.crt')
    assert tls == plain + ' sslmode=verify-full sslrootcert=/etc/hastack/tls/ca.crt'


def test_clone_passes_tls_to_pg_basebackup(tmp_path):
    calls = []

    class Paths(object):
        data_dir = str(tmp_path / 'main')
        bin_dir = '/usr/lib/postgresql/15/bin'

    def run(argv, **kwargs):
        calls.append(kwargs['env'])
        return type('Proc', (), dict(returncode=0, stdout='', stderr=''))()

    pg_ha.clone(Paths(), '10.0.0.31', 5432, 'replicator', '/p', 'db2', run=run,
                sslmode='verify-full', sslrootcert='/ca.crt')
    assert calls[0]['PGSSLMODE'] == 'verify-full' and calls[0]['PGSSLROOTCERT'] == '/ca.crt'
    assert calls[0]['PGPASSFILE'] == '/p'


def test_wait_until_gives_up_after_the_timeout():
    clock = iter(range(100))
    assert pg_ha.wait_until(lambda: False, 5, clock=lambda: next(clock), sleep=lambda s: None) is False
    assert pg_ha.wait_until(lambda: 'yes', 5) == 'yes'


def test_replication_conf_matches_what_the_role_writes():
    text = pg_ha.replication_conf_text('10.0.0.32', 5432, 'replicator', '/var/lib/postgresql/.pgpass', 'db1', 'db1')
    with open(ROLE_TEMPLATE) as handle:
        template = handle.read()
    for line in text.splitlines()[3:]:  # after the ansible_managed header
        if line.startswith('primary_conninfo'):
            assert line.split("'")[1].split(' ', 1)[1].startswith('port=5432 user=replicator')
            continue
        if line.startswith('primary_slot_name'):
            continue
        assert line in template, line
