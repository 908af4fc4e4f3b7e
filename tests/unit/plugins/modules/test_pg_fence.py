from __future__ import annotations

import os

import pytest

from ansible_collections.hastack.platform.plugins.module_utils import pg_ha
from ansible_collections.hastack.platform.plugins.modules import pg_fence
from ansible_collections.hastack.platform.tests.unit.plugins.modules.utils import (
    ExitJson, FailJson, FakeConnection, FakePaths, run_module,
)

PRIMARY = dict(installed=True, data_exists=True, running=True, in_recovery=False, role='primary', fenced=False)
STOPPED = dict(PRIMARY, running=False, in_recovery=None)


@pytest.fixture
def node(monkeypatch, tmp_path):
    paths = FakePaths(tmp_path)
    state = dict(paths=paths, reports=[dict(PRIMARY), dict(STOPPED)], conn=FakeConnection(), systemctl=[])
    monkeypatch.setattr(pg_fence, 'resolve_paths', lambda params: paths)
    monkeypatch.setattr(pg_fence, 'node_report', lambda params: state['reports'][0] if len(state['reports']) == 1
                        else state['reports'].pop(0))
    monkeypatch.setattr(pg_fence, 'connect', lambda params: state['conn'])
    monkeypatch.setattr(pg_ha, 'systemctl', lambda action, paths, timeout=120: state['systemctl'].append(action))
    monkeypatch.setattr(pg_ha, 'clean_shutdown', lambda paths: dict(
        clean=True, state='shut down', checkpoint_lsn='0/5000028', timeline=1, system_identifier='7'))
    return state


def result_of(monkeypatch, args):
    with pytest.raises(ExitJson) as caught:
        run_module(monkeypatch, pg_fence, args)
    return caught.value.args[0]


def test_fences_then_checkpoints_and_stops_a_primary(monkeypatch, node):
    result = result_of(monkeypatch, {'reason': 'switchover to db2'})
    assert result['changed'] and result['fenced'] and result['was_primary']
    assert result['shutdown_checkpoint_lsn'] == '0/5000028' and result['clean'] is True
    assert node['conn'].executed == ['CHECKPOINT'] and node['systemctl'] == ['stop']
    with open(node['paths'].fence_file) as handle:
        assert 'switchover to db2' in handle.read()


def test_a_stopped_node_is_only_marked(monkeypatch, node):
    node['reports'] = [dict(STOPPED)]
    result = result_of(monkeypatch, {})
    assert result['changed'] and not result['was_running'] and node['systemctl'] == []
    assert os.path.exists(node['paths'].fence_file)


def test_fencing_twice_changes_nothing(monkeypatch, node):
    open(node['paths'].fence_file, 'w').close()
    node['reports'] = [dict(STOPPED, fenced=True)]
    assert result_of(monkeypatch, {})['changed'] is False


def test_check_mode_touches_nothing(monkeypatch, node):
    result = result_of(monkeypatch, {'_ansible_check_mode': True})
    assert result['changed'] is True
    assert not os.path.exists(node['paths'].fence_file) and node['systemctl'] == [] and node['conn'].executed == []


def test_unfence_removes_the_mark(monkeypatch, node):
    open(node['paths'].fence_file, 'w').close()
    node['reports'] = [dict(PRIMARY, in_recovery=True, fenced=True)]
    assert result_of(monkeypatch, {'state': 'unfenced'})['changed'] is True
    assert not os.path.exists(node['paths'].fence_file)
    assert result_of(monkeypatch, {'state': 'unfenced'})['changed'] is False


def test_unfence_lifts_the_mark_of_a_host_whose_data_is_gone(monkeypatch, node):
    open(node['paths'].fence_file, 'w').close()
    os.unlink(os.path.join(node['paths'].data_dir, 'PG_VERSION'))
    assert result_of(monkeypatch, {'state': 'unfenced', '_ansible_check_mode': True})['changed'] is True
    assert os.path.exists(node['paths'].fence_file)
    assert result_of(monkeypatch, {'state': 'unfenced'})['changed'] is True
    assert not os.path.exists(node['paths'].fence_file)


def test_fencing_a_host_without_data_fails(monkeypatch, node):
    os.unlink(os.path.join(node['paths'].data_dir, 'PG_VERSION'))
    with pytest.raises(FailJson) as caught:
        run_module(monkeypatch, pg_fence, {})
    assert 'no PostgreSQL cluster on this host to fence' in caught.value.args[0]['msg']
