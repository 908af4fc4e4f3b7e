from __future__ import annotations

import pytest

from ansible_collections.hastack.platform.plugins.modules import patroni_switchover
from ansible_collections.hastack.platform.tests.unit.plugins.module_utils.test_patroni_api import (
    ENDPOINTS, FakePatroni, serve,
)
from ansible_collections.hastack.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, module_result, run_module

AUTH = dict(endpoints=ENDPOINTS, ca_file='/etc/hastack/tls/ca.crt', username='patroni', password='s3cret')


@pytest.fixture
def fake(monkeypatch):
    return serve(monkeypatch, FakePatroni())


def leaderless(fake):
    fake.cluster['members'][0].update(role='replica', state='stopped', lag='unknown')


def result_of(monkeypatch, args, outcome=ExitJson):
    return module_result(monkeypatch, patroni_switchover, dict(AUTH, **args), outcome)


def test_switches_over_to_the_best_candidate(monkeypatch, fake):
    fake.promote_after = 2
    result = result_of(monkeypatch, {})
    assert result['changed'] is True and result['candidate'] == 'db2'
    assert (result['previous_leader'], result['leader']) == ('db1', 'db2')
    assert (result['timeline_before'], result['timeline_after']) == (4, 5)
    post = fake.writes()[0]
    assert post['url'] == ENDPOINTS[0] + '/switchover' and post['body'] == {'leader': 'db1', 'candidate': 'db2'}
    assert post['kwargs']['url_password'] == 's3cret'


def test_a_target_that_already_leads_changes_nothing(monkeypatch, fake):
    result = result_of(monkeypatch, {'target': 'db1'})
    assert result['changed'] is False and result['leader'] == 'db1' and fake.writes() == []


def test_check_mode_checks_and_reports_but_changes_nothing(monkeypatch, fake):
    result = result_of(monkeypatch, {'target': 'db3', '_ansible_check_mode': True})
    assert result['changed'] is True and result['candidate'] == 'db3' and result['leader'] == 'db1'
    assert fake.writes() == []
    fake.cluster['members'][2]['state'] = 'starting'
    assert 'db3 is starting' in result_of(monkeypatch, {'target': 'db3', '_ansible_check_mode': True}, FailJson)['msg']


def test_an_unfit_target_is_refused_with_the_fix(monkeypatch, fake):
    fake.cluster['members'][2]['timeline'] = 3
    msg = result_of(monkeypatch, {'target': 'db3'}, FailJson)['msg']
    assert msg.startswith('Refusing the switchover to db3:') and 'Rejoin it (rejoin.yml)' in msg
    assert fake.writes() == []


def test_a_lag_bound_of_its_own(monkeypatch, fake):
    assert 'more than max_lag_bytes=1024' in result_of(monkeypatch, {'target': 'db2', 'max_lag_bytes': 1024}, FailJson)['msg']


def test_paused_cluster_needs_allow_paused(monkeypatch, fake):
    fake.config['pause'] = True
    assert 'patroni_pause state=resumed' in result_of(monkeypatch, {}, FailJson)['msg']
    assert result_of(monkeypatch, {'allow_paused': True})['leader'] == 'db2'


def test_errors_of_the_api_surface_with_the_url(monkeypatch, fake):
    fake.overrides[('POST', '/switchover')] = (401, 'no auth header received')
    result = result_of(monkeypatch, {'target': 'db2'}, FailJson)
    assert result['url'] == ENDPOINTS[0] + '/switchover' and result['status'] == 401
    assert 'restapi.authentication' in result['msg']


def test_a_switchover_that_does_not_finish_fails(monkeypatch, fake):
    fake.promote_after = 10 ** 6
    msg = result_of(monkeypatch, {'wait_timeout': 20}, FailJson)['msg']
    assert 'did not finish within 20 s: the leader is now db1 (running)' in msg


def test_a_scheduled_switchover_is_asked_once(monkeypatch, fake):
    at = '2026-12-01T02:00:00+00:00'
    result = result_of(monkeypatch, {'scheduled_at': at})
    assert result['changed'] is True and result['candidate'] is None and result['leader'] == 'db1'
    assert fake.writes()[0]['body'] == {'leader': 'db1', 'scheduled_at': at}
    assert result_of(monkeypatch, {'scheduled_at': at})['changed'] is False
    assert len(fake.writes()) == 1


def test_a_forced_failover_refuses_to_lose_commits(monkeypatch, fake):
    leaderless(fake)
    msg = result_of(monkeypatch, {'mode': 'failover', 'target': 'db3'}, FailJson)['msg']
    assert msg.startswith('Refusing the failover to db3:') and 'allow_data_loss=true' in msg
    assert fake.writes() == []
    result = result_of(monkeypatch, {'mode': 'failover', 'target': 'db3', 'allow_data_loss': True})
    assert result['changed'] is True and result['previous_leader'] is None and result['leader'] == 'db3'
    assert fake.writes()[0]['url'] == ENDPOINTS[2] + '/failover' and fake.writes()[0]['body'] == {'candidate': 'db3'}


def test_a_forced_failover_picks_the_quorum_standby(monkeypatch, fake):
    leaderless(fake)
    result = result_of(monkeypatch, {'mode': 'failover'})
    assert result['candidate'] == 'db2' and result['leader'] == 'db2' and result['timeline_after'] == 5


def test_a_failover_cannot_be_scheduled(monkeypatch, fake):
    msg = result_of(monkeypatch, {'mode': 'failover', 'scheduled_at': '2026-12-01T02:00+00:00'}, FailJson)['msg']
    assert 'cannot be scheduled' in msg


def test_username_needs_a_password(monkeypatch, fake):
    with pytest.raises(FailJson) as caught:
        run_module(monkeypatch, patroni_switchover, dict(endpoints=ENDPOINTS, username='patroni'))
    assert 'password' in caught.value.args[0]['msg']
