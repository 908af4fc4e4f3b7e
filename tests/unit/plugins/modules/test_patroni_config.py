from __future__ import annotations

import pytest

from ansible_collections.hastack.platform.plugins.modules import patroni_config
from ansible_collections.hastack.platform.tests.unit.plugins.module_utils.test_patroni_api import (
    ENDPOINTS, FakePatroni, serve,
)
from ansible_collections.hastack.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, module_result

AUTH = dict(endpoints=ENDPOINTS, username='patroni', password='s3cret')
WANTED = {'ttl': 30, 'loop_wait': 5, 'postgresql': {'parameters': {'max_connections': 200, 'wal_level': 'replica'}}}


@pytest.fixture
def fake(monkeypatch):
    return serve(monkeypatch, FakePatroni())


def result_of(monkeypatch, args, outcome=ExitJson):
    return module_result(monkeypatch, patroni_config, dict(AUTH, **args), outcome)


def test_patches_only_the_keys_that_differ_and_shows_the_diff(monkeypatch, fake):
    result = result_of(monkeypatch, {'config': WANTED})
    assert result['changed'] is True
    assert result['patch'] == {'loop_wait': 5, 'postgresql': {'parameters': {'max_connections': 200}}}
    assert result['diff']['before'] == {'loop_wait': 10, 'postgresql': {'parameters': {'max_connections': '100'}}}
    assert result['diff']['after'] == result['patch']
    assert [(c['method'], c['body']) for c in fake.writes()] == [('PATCH', result['patch'])]
    assert fake.config['postgresql']['use_slots'] is True  # keys not given are left alone
    assert result['config']['loop_wait'] == 5


def test_a_second_run_changes_nothing(monkeypatch, fake):
    result_of(monkeypatch, {'config': WANTED})
    result = result_of(monkeypatch, {'config': WANTED})
    assert result['changed'] is False and result['patch'] == {} and result['diff'] == {
        'before': {}, 'after': {}, 'before_header': '/config', 'after_header': '/config'}
    assert len(fake.writes()) == 1


def test_check_mode_reports_the_diff_and_sends_nothing(monkeypatch, fake):
    result = result_of(monkeypatch, {'config': WANTED, '_ansible_check_mode': True})
    assert result['changed'] is True and result['diff']['after']['loop_wait'] == 5
    assert fake.writes() == [] and fake.config['loop_wait'] == 10


def test_a_lease_that_cannot_hold_is_refused(monkeypatch, fake):
    msg = result_of(monkeypatch, {'config': {'ttl': 20}}, FailJson)['msg']
    assert 'Raise ttl or lower the other two' in msg and fake.writes() == []


def test_unknown_keys_are_reported(monkeypatch, fake):
    result = result_of(monkeypatch, {'config': {'tll': 30}, '_ansible_check_mode': True})
    assert result['unknown_keys'] == ['tll']


def test_a_rejected_patch_fails_with_the_url(monkeypatch, fake):
    fake.overrides[('PATCH', '/config')] = (403, 'Access is denied')
    result = result_of(monkeypatch, {'config': WANTED}, FailJson)
    assert result['url'] == ENDPOINTS[0] + '/config' and result['status'] == 403 and 'restapi.allowlist' in result['msg']
