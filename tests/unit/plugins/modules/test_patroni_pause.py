from __future__ import annotations

import pytest

from ansible_collections.hastack.platform.plugins.modules import patroni_pause
from ansible_collections.hastack.platform.tests.unit.plugins.module_utils.test_patroni_api import (
    ENDPOINTS, FakePatroni, serve,
)
from ansible_collections.hastack.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, module_result

AUTH = dict(endpoints=ENDPOINTS, username='patroni', password='s3cret')


@pytest.fixture
def fake(monkeypatch):
    return serve(monkeypatch, FakePatroni())


def result_of(monkeypatch, args, outcome=ExitJson):
    return module_result(monkeypatch, patroni_pause, dict(AUTH, **args), outcome)


def test_pause_then_pause_again_changes_once(monkeypatch, fake):
    result = result_of(monkeypatch, {'state': 'paused'})
    assert result == {'changed': True, 'paused': True, 'previous_paused': False}
    assert [(c['method'], c['url'], c['body']) for c in fake.writes()] == [('PATCH', ENDPOINTS[0] + '/config', {'pause': True})]
    assert result_of(monkeypatch, {'state': 'paused'})['changed'] is False
    assert len(fake.writes()) == 1


def test_resume_removes_the_key_as_patronictl_does(monkeypatch, fake):
    fake.config['pause'] = True
    assert result_of(monkeypatch, {'state': 'resumed'})['changed'] is True
    assert fake.writes()[0]['body'] == {'pause': None} and 'pause' not in fake.config
    assert result_of(monkeypatch, {'state': 'resumed'})['changed'] is False


def test_check_mode_changes_nothing(monkeypatch, fake):
    result = result_of(monkeypatch, {'state': 'paused', '_ansible_check_mode': True})
    assert result['changed'] is True and fake.writes() == [] and 'pause' not in fake.config


def test_a_member_that_does_not_follow_fails_by_name(monkeypatch, fake):
    fake.stale.add('db3')
    msg = result_of(monkeypatch, {'state': 'paused', 'wait_timeout': 10}, FailJson)['msg']
    assert 'db3 did not report it within 10 s' in msg


def test_a_lost_member_does_not_block_the_wait(monkeypatch, fake):
    fake.down.add(ENDPOINTS[2])
    assert result_of(monkeypatch, {'state': 'paused'})['changed'] is True
