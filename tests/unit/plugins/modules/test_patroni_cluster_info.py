from __future__ import annotations

import pytest

from ansible_collections.hastack.platform.plugins.module_utils import patroni_api as api
from ansible_collections.hastack.platform.plugins.modules import patroni_cluster_info
from ansible_collections.hastack.platform.tests.unit.plugins.module_utils.test_patroni_api import (
    ENDPOINTS, FakePatroni, serve,
)
from ansible_collections.hastack.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, module_result


@pytest.fixture
def fake(monkeypatch):
    return serve(monkeypatch, FakePatroni())


def result_of(monkeypatch, args, outcome=ExitJson):
    return module_result(monkeypatch, patroni_cluster_info, dict(dict(endpoints=ENDPOINTS), **args), outcome)


def test_reports_the_cluster_and_changes_nothing_even_in_check_mode(monkeypatch, fake):
    result = result_of(monkeypatch, {'_ansible_check_mode': True, 'ca_file': '/etc/hastack/tls/ca.crt'})
    assert result['changed'] is False and fake.writes() == []
    assert result['leader'] == 'db1' and result['timeline'] == 4 and result['best_candidate'] == 'db2'
    assert result['sync_standbys'] == ['db2'] and result['synchronous_mode'] == 'quorum' and result['paused'] is False
    assert [m['name'] for m in result['members']] == ['db1', 'db2', 'db3']
    assert result['config']['ttl'] == 30 and result['failsafe_mode'] is True and result['failsafe_mode_is_active'] is False
    assert all(c['kwargs']['ca_path'] == '/etc/hastack/tls/ca.crt' for c in fake.calls)


def test_a_lost_member_is_listed_not_fatal(monkeypatch, fake):
    fake.down.add(ENDPOINTS[0])
    result = result_of(monkeypatch, {})
    assert result['endpoint'] == ENDPOINTS[1] and result['unreachable_endpoints'] == [ENDPOINTS[0]] and result['leader'] == 'db1'


def test_no_member_answering_fails_once_with_the_urls(monkeypatch, fake):
    fake.down.update(ENDPOINTS)
    msg = result_of(monkeypatch, {}, FailJson)['msg']
    assert msg.startswith('No member answered GET /cluster') and ENDPOINTS[2] + '/cluster' in msg


def test_the_password_is_not_logged():
    assert api.API_ARGUMENT_SPEC['password']['no_log'] is True
