from __future__ import annotations

import os

import pytest

from ansible_collections.hastack.platform.plugins.module_utils import pg_ha
from ansible_collections.hastack.platform.plugins.modules import pg_promote
from ansible_collections.hastack.platform.tests.unit.plugins.modules.utils import (
    ExitJson, FailJson, FakeConnection, FakePaths, run_module,
)

STANDBY = dict(installed=True, data_exists=True, running=True, in_recovery=True, role='standby', fenced=False,
               timeline=1, receive_lsn='0/5000100', replay_lsn='0/5000100', lag_bytes=0,
               data_directory='/var/lib/postgresql/15/main')
PEERS = {'peers': [{'host': '10.0.0.31', 'port': 5432}, {'host': '10.0.0.33', 'port': 5432}],
         'user': 'replicator', 'passfile': '/var/lib/postgresql/.pgpass'}


@pytest.fixture
def node(monkeypatch, tmp_path):
    """A standby, peers that are all standbys, and a connection that promotes."""
    state = dict(report=dict(STANDBY), writable=[], paths=FakePaths(tmp_path), conn=FakeConnection({
        'pg_is_wal_replay_paused': {'paused': False},
        'pg_promote': {'done': True},
        'pg_current_wal_lsn': {'in_recovery': False, 'lsn': '0/6000000', 'timeline': 2},
    }))
    monkeypatch.setattr(pg_promote, 'node_report', lambda params: state['report'])
    monkeypatch.setattr(pg_promote, 'connect', lambda params: state['conn'])
    monkeypatch.setattr(pg_promote, 'resolve_paths', lambda params: state['paths'])
    monkeypatch.setattr(pg_ha, 'chown_postgres', lambda path: None)
    monkeypatch.setattr(pg_ha, 'load_peers', lambda path: PEERS)
    monkeypatch.setattr(pg_ha, 'writable_peers', lambda peers: state['writable'])
    return state


def result_of(monkeypatch, args, outcome=ExitJson):
    with pytest.raises(outcome) as caught:
        run_module(monkeypatch, pg_promote, args)
    return caught.value.args[0]


def test_promotes_and_returns_the_new_timeline(monkeypatch, node):
    result = result_of(monkeypatch, {})
    assert result['changed'] is True
    assert result['timeline'] == 2 and result['previous_timeline'] == 1 and result['lsn'] == '0/6000000'
    assert result['seconds'] >= 0
    assert 'CHECKPOINT' in node['conn'].executed  # so pg_rewind sees the new timeline
    with open(os.path.join(node['paths'].config_dir, 'conf.d', pg_ha.REPLICATION_CONF)) as handle:
        assert handle.read() == pg_ha.PRIMARY_REPLICATION_CONF_TEXT  # no upstream, as the role writes it


def test_check_mode_checks_but_does_not_promote(monkeypatch, node):
    result = result_of(monkeypatch, {'_ansible_check_mode': True})
    assert result['changed'] is True and 'timeline' not in result
    assert node['conn'].executed == []


def test_refuses_on_a_primary(monkeypatch, node):
    node['report'] = dict(STANDBY, in_recovery=False, role='primary')
    assert 'already the primary' in result_of(monkeypatch, {}, FailJson)['msg']
    assert node['conn'].executed == []


def test_refuses_when_another_primary_answers(monkeypatch, node):
    node['writable'] = ['10.0.0.31']
    msg = result_of(monkeypatch, {}, FailJson)['msg']
    assert '10.0.0.31 still answers as a writable primary' in msg and 'Fence it first' in msg
    assert node['conn'].executed == []


def test_a_fenced_old_primary_does_not_stop_it(monkeypatch, node):
    node['writable'] = ['10.0.0.31']
    assert result_of(monkeypatch, {'old_primary_fenced': True})['changed'] is True


def test_refuses_a_standby_behind_the_reference(monkeypatch, node):
    msg = result_of(monkeypatch, {'reference_lsn': '0/5000200', 'max_lag_bytes': 0x80, 'catch_up_timeout': 0},
                    FailJson)['msg']
    assert 'is 256 bytes behind 0/5000200' in msg
    assert result_of(monkeypatch, {'reference_lsn': '0/5000200', 'max_lag_bytes': 0x100})['changed'] is True


def test_waits_for_the_last_wal_of_the_old_primary(monkeypatch, node):
    readings = iter([dict(STANDBY), dict(STANDBY, receive_lsn='0/5000228')])
    monkeypatch.setattr(pg_promote, 'node_report', lambda params: next(readings))
    result = result_of(monkeypatch, {'reference_lsn': '0/5000200', 'old_primary_fenced': True})
    assert result['changed'] is True and result['lag_bytes'] == 0


def test_refuses_a_stopped_or_fenced_node(monkeypatch, node):
    node['report'] = dict(STANDBY, running=False, in_recovery=None)
    assert 'not running' in result_of(monkeypatch, {}, FailJson)['msg']
    node['report'] = dict(STANDBY, fenced=True)
    assert 'fenced' in result_of(monkeypatch, {}, FailJson)['msg']


def test_a_promotion_that_times_out_fails(monkeypatch, node):
    node['conn'].answers['pg_promote'] = {'done': False}
    assert 'did not finish promotion within 60 s' in result_of(monkeypatch, {}, FailJson)['msg']
