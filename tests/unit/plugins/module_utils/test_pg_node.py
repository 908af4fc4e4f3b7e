from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

from ansible_collections.hastack.platform.plugins.module_utils import pg_node
from ansible_collections.hastack.platform.plugins.module_utils.pg_node import (
    NodePaths, PgNodeError, endpoint_checks, int_to_lsn, lsn_to_int, node_report, parse_controldata,
)

CONTROLDATA_STOPPED = """pg_control version number:            1300
Catalog version number:               202209061
Database system identifier:           7312345678901234567
Database cluster state:               shut down
pg_control last modified:             Sun 22 Nov 2026 04:00:00 AM UTC
Latest checkpoint location:           0/3000060
Latest checkpoint's REDO location:    0/3000028
Latest checkpoint's TimeLineID:       2
Latest checkpoint's PrevTimeLineID:   2
Minimum recovery ending location:     0/0
Min recovery ending loc's timeline:   0
wal_log_hints setting:                on
Data page checksum version:           1
"""


def test_lsn_round_trip():
    assert lsn_to_int('0/3000060') == 0x3000060
    assert lsn_to_int('16/B374D848') == (0x16 << 32) + 0xB374D848
    assert int_to_lsn(lsn_to_int('16/B374D848')) == '16/B374D848'
    assert lsn_to_int(None) is None


def test_parse_controldata_reads_the_fields_we_use():
    control = parse_controldata(CONTROLDATA_STOPPED)
    assert control == {
        'system_identifier': '7312345678901234567',
        'state': 'shut down',
        'checkpoint_lsn': '0/3000060',
        'timeline': 2,
        'min_recovery_lsn': '0/0',
        'min_recovery_timeline': 0,
        'wal_log_hints': 'on',
        'data_checksum_version': 1,
    }


def test_debian_paths():
    paths = NodePaths('15')
    assert paths.config_dir == '/etc/postgresql/15/main'
    assert paths.data_dir == '/var/lib/postgresql/15/main'
    assert paths.service == 'postgresql@15-main'
    assert not paths.fence_file.startswith(paths.data_dir + '/')  # never copied by pg_basebackup


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A fake Debian layout under tmp_path with a data directory."""
    def make(standby=False, data=True):
        paths = NodePaths('15')
        for attr in ('config_dir', 'data_dir', 'fence_file'):
            setattr(paths, attr, str(tmp_path / getattr(paths, attr).lstrip('/')))
        os.makedirs(paths.config_dir, exist_ok=True)
        if data:
            data_path = pathlib.Path(paths.data_dir)
            data_path.mkdir(parents=True, exist_ok=True)
            (data_path / 'PG_VERSION').write_text('15\n')
            if standby:
                (data_path / 'standby.signal').write_text('')
        monkeypatch.setattr(pg_node, 'resolve_paths', lambda params: paths)
        return paths
    return make


def refuse(params):
    raise PgNodeError('connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: No such file')


def fake_run(stdout, returncode=0):
    def run(args, **kwargs):
        return subprocess.CompletedProcess(args, returncode, stdout=stdout, stderr='boom' if returncode else '')
    return run


def test_stopped_primary_is_reported_from_controldata(data_dir):
    data_dir(standby=False)
    report = node_report({}, connect_fn=refuse, run=fake_run(CONTROLDATA_STOPPED))
    assert report['running'] is False
    assert report['role'] == 'primary'
    assert report['timeline'] == 2
    assert report['system_identifier'] == '7312345678901234567'
    assert report['checkpoint_lsn'] == '0/3000060'
    assert report['controldata_state'] == 'shut down'
    assert 'No such file' in report['connect_error']


def test_stopped_standby_keeps_its_role(data_dir):
    data_dir(standby=True)
    report = node_report({}, connect_fn=refuse, run=fake_run(CONTROLDATA_STOPPED))
    assert report['role'] == 'standby' and report['standby_signal'] is True


def test_no_data_directory_means_no_role(data_dir):
    data_dir(data=False)
    report = node_report({}, connect_fn=refuse, run=fake_run(''))
    assert report['data_exists'] is False and report['role'] is None and report['running'] is False


def test_not_installed(monkeypatch):
    monkeypatch.setattr(pg_node, 'resolve_paths', lambda params: None)
    assert node_report({})['installed'] is False


def test_controldata_failure_is_an_error(data_dir):
    data_dir()
    with pytest.raises(PgNodeError, match='pg_controldata failed'):
        node_report({}, connect_fn=refuse, run=fake_run('', returncode=1))


class FakeConnection(object):
    """Answers the module's queries with canned rows, by the query's first distinctive words."""

    def __init__(self, answers):
        self.answers = answers
        self.closed = False

    def rows(self, sql, params=None):
        for marker, rows in self.answers.items():
            if marker in sql:
                return rows
        raise AssertionError('unexpected query: %s' % sql)

    def one(self, sql, params=None):
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def close(self):
        self.closed = True


def state(**overrides):
    row = dict(in_recovery=False, server_version='15.20 (Debian 15.20-0+deb12u1)', data_directory='/var/lib/postgresql/15/main',
               system_identifier='7312345678901234567', current_lsn='0/5000000', primary_timeline=1, checkpoint_timeline=1,
               receive_lsn=None, replay_lsn=None, lag_seconds=None)
    row.update(overrides)
    return row


def test_running_primary_lists_standbys_slots_and_pending_restart(data_dir):
    data_dir()
    conn = FakeConnection({
        'pg_is_in_recovery() AS in_recovery': [state()],
        'FROM pg_stat_replication': [dict(application_name='db2', client_addr='10.0.0.32', state='streaming', sync_state='quorum',
                                          sync_priority=1, sent_lsn='0/5000000', flush_lsn='0/5000000', replay_lsn='0/5000000',
                                          lag_bytes=0, lag_seconds=None)],
        'FROM pg_replication_slots': [dict(slot_name='db2', slot_type='physical', active=True, restart_lsn='0/5000000', wal_status='reserved')],
        'WHERE pending_restart': [dict(name='shared_buffers')],
    })
    report = node_report({}, connect_fn=lambda params: conn)
    assert conn.closed
    assert report['running'] is True and report['role'] == 'primary'
    assert report['timeline'] == 1 and report['current_lsn'] == '0/5000000'
    assert report['lag_bytes'] == 0
    assert report['standbys'][0]['sync_state'] == 'quorum'
    assert report['slots'][0]['active'] is True
    assert report['pending_restart'] == ['shared_buffers']
    assert report['version'] == '15.20'


def test_running_standby_reports_lag_against_its_upstream(data_dir):
    data_dir(standby=True)
    conn = FakeConnection({
        'pg_is_in_recovery() AS in_recovery': [state(in_recovery=True, current_lsn=None, primary_timeline=None,
                                                     receive_lsn='0/5000100', replay_lsn='0/5000000', lag_seconds=1.25)],
        'FROM pg_stat_wal_receiver': [dict(status='streaming', sender_host='10.0.0.31', sender_port=5432, received_tli=3,
                                           latest_end_lsn='0/5000200', slot_name='db2')],
        'FROM pg_replication_slots': [],
        'WHERE pending_restart': [],
    })
    report = node_report({}, connect_fn=lambda params: conn)
    assert report['role'] == 'standby'
    assert report['timeline'] == 3
    assert report['lag_bytes'] == 0x200
    assert report['lag_seconds'] == 1.25
    assert report['wal_receiver']['status'] == 'streaming'


PRIMARY = dict(running=True, in_recovery=False, fenced=False, wal_receiver=None, lag_bytes=0)
STANDBY = dict(running=True, in_recovery=True, fenced=False, wal_receiver=dict(status='streaming'), lag_bytes=100)


@pytest.mark.parametrize('report, expected', [
    (PRIMARY, dict(primary=True, replica=False)),
    (STANDBY, dict(primary=False, replica=True)),
    (dict(PRIMARY, fenced=True), dict(primary=False, replica=False)),
    (dict(PRIMARY, running=False), dict(primary=False, replica=False)),
    # in_recovery unknown (the query failed): never claim to be the primary.
    (dict(PRIMARY, in_recovery=None), dict(primary=False, replica=False)),
    (dict(STANDBY, wal_receiver=dict(status='catchup')), dict(primary=False, replica=False)),
    (dict(STANDBY, wal_receiver=None), dict(primary=False, replica=False)),
    (dict(STANDBY, lag_bytes=None), dict(primary=False, replica=False)),
    (dict(STANDBY, running=False), dict(primary=False, replica=False)),
])
def test_endpoint_checks(report, expected):
    assert endpoint_checks(report) == expected


def test_endpoint_checks_lag_limit_is_inclusive():
    assert endpoint_checks(dict(STANDBY, lag_bytes=1000), max_lag_bytes=1000)['replica'] is True
    assert endpoint_checks(dict(STANDBY, lag_bytes=1001), max_lag_bytes=1000)['replica'] is False
    assert endpoint_checks(dict(STANDBY, lag_bytes=16 * 1024 * 1024))['replica'] is True
