from __future__ import annotations

import os

import pytest

from ansible_collections.hastack.platform.plugins.module_utils import pg_ha
from ansible_collections.hastack.platform.plugins.modules import pg_standby
from ansible_collections.hastack.platform.tests.unit.plugins.modules.utils import (
    ExitJson, FailJson, FakeConnection, FakePaths, run_module,
)

NEW_PRIMARY = '10.0.0.32'
ARGS = {'primary_host': NEW_PRIMARY, 'application_name': 'db1', 'wait_timeout': 1}


def standby(sender):
    return dict(installed=True, data_exists=True, running=True, in_recovery=True, fenced=False, timeline=2,
                system_identifier='7', slots=[], wal_receiver=dict(status='streaming', sender_host=sender))


STOPPED_OLD_PRIMARY = dict(installed=True, data_exists=True, running=False, in_recovery=None, fenced=True,
                           timeline=1, system_identifier='7', slots=[], wal_receiver=None)


@pytest.fixture
def node(monkeypatch, tmp_path):
    paths = FakePaths(tmp_path)
    state = dict(paths=paths, report=standby(NEW_PRIMARY), calls=[], rewind_needed=True,
                 conn=FakeConnection({'pg_replication_slots': []}))

    def systemctl(action, paths, timeout=120):
        state['calls'].append(action)
        if action == 'start':  # once started it streams from whatever the conf names
            state['report'] = standby(NEW_PRIMARY if NEW_PRIMARY in open(conf_path(paths)).read() else '10.0.0.31')
        if action == 'stop':
            state['report'] = dict(STOPPED_OLD_PRIMARY, fenced=False)

    def reload_config(paths):
        state['calls'].append('reload')
        state['report'] = standby(NEW_PRIMARY)

    def rewind(paths, source):
        state['calls'].append('rewind')
        return state['rewind_needed'], ''

    monkeypatch.setattr(pg_standby, 'resolve_paths', lambda params: paths)
    monkeypatch.setattr(pg_standby, 'node_report', lambda params: state['report'])
    monkeypatch.setattr(pg_standby, 'connect', lambda params: state['conn'])
    monkeypatch.setattr(pg_ha, 'systemctl', systemctl)
    monkeypatch.setattr(pg_ha, 'reload_config', reload_config)
    monkeypatch.setattr(pg_ha, 'rewind', rewind)
    monkeypatch.setattr(pg_ha, 'chown_postgres', lambda path: None)
    monkeypatch.setattr(pg_ha, 'remote_state', lambda *args, **kwargs: dict(
        reachable=True, in_recovery=False, system_identifier='7', lsn='0/6000000', timeline=2))
    return state


def conf_path(paths):
    return os.path.join(paths.config_dir, 'conf.d', pg_ha.REPLICATION_CONF)


def write_conf(paths, host):
    with open(conf_path(paths), 'w') as handle:
        handle.write(pg_ha.replication_conf_text(host, 5432, 'replicator', '/var/lib/postgresql/.pgpass', 'db1', 'db1'))


def result_of(monkeypatch, args, outcome=ExitJson):
    with pytest.raises(outcome) as caught:
        run_module(monkeypatch, pg_standby, dict(ARGS, **args))
    return caught.value.args[0]


def test_nothing_to_do_when_it_already_streams_from_the_primary(monkeypatch, node):
    write_conf(node['paths'], NEW_PRIMARY)
    result = result_of(monkeypatch, {})
    assert result['changed'] is False and result['actions'] == [] and node['calls'] == []


def test_a_running_standby_is_repointed_with_a_reload(monkeypatch, node):
    write_conf(node['paths'], '10.0.0.31')
    node['report'] = standby('10.0.0.31')
    result = result_of(monkeypatch, {})
    assert result['changed'] and result['actions'] == ['repointed'] and node['calls'] == ['reload']
    assert 'host=10.0.0.32 ' in open(conf_path(node['paths'])).read()


def test_a_stopped_former_primary_is_rewound_started_and_unfenced(monkeypatch, node):
    write_conf(node['paths'], '10.0.0.31')
    open(node['paths'].fence_file, 'w').close()
    node['report'] = dict(STOPPED_OLD_PRIMARY)
    node['conn'].answers['pg_replication_slots'] = [{'slot_name': 'db2'}, {'slot_name': 'db3'}]
    result = result_of(monkeypatch, {})
    assert result['actions'] == ['repointed', 'rewound', 'started', 'dropped slot db2', 'dropped slot db3', 'unfenced']
    assert node['calls'] == ['rewind', 'start']
    assert node['paths'].standby_signal and not node['paths'].fenced
    assert result['dropped_slots'] == ['db2', 'db3']


def test_no_rewind_when_pg_rewind_finds_none_needed(monkeypatch, node):
    node['report'] = dict(STOPPED_OLD_PRIMARY, fenced=False)
    node['rewind_needed'] = False
    assert result_of(monkeypatch, {})['actions'] == ['repointed', 'started']


def test_never_demotes_a_running_primary(monkeypatch, node):
    node['report'] = dict(standby(None), in_recovery=False, wal_receiver=None)
    msg = result_of(monkeypatch, {}, FailJson)['msg']
    assert 'never demotes a running primary' in msg and node['calls'] == []


def test_another_cluster_needs_allow_clone(monkeypatch, node):
    node['report'] = dict(STOPPED_OLD_PRIMARY, system_identifier='8')
    msg = result_of(monkeypatch, {}, FailJson)['msg']
    assert 'holds another cluster' in msg and 'allow_clone' in msg and node['calls'] == []


def test_check_mode_changes_nothing(monkeypatch, node):
    write_conf(node['paths'], '10.0.0.31')
    node['report'] = dict(STOPPED_OLD_PRIMARY)
    result = result_of(monkeypatch, {'_ansible_check_mode': True})
    assert result['changed'] and result['actions'] == ['rewind if diverged', 'start']
    assert node['calls'] == [] and node['paths'].fenced is False or os.path.exists(node['paths'].fence_file) is False
    assert '10.0.0.31' in open(conf_path(node['paths'])).read()


def test_a_standby_upstream_is_refused_unless_cascading(monkeypatch, node):
    monkeypatch.setattr(pg_ha, 'remote_state', lambda *args, **kwargs: dict(
        reachable=True, in_recovery=True, system_identifier='7', lsn='0/6000000', timeline=2))
    write_conf(node['paths'], '10.0.0.31')
    node['report'] = standby('10.0.0.31')
    assert 'is a standby, not a primary' in result_of(monkeypatch, {}, FailJson)['msg']
    result = result_of(monkeypatch, {'cascade': True})
    assert result['actions'] == ['repointed'] and node['calls'] == ['reload']
