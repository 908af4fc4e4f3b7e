from __future__ import annotations

import pytest

from ansible_collections.hastack.platform.plugins.modules import patroni_member
from ansible_collections.hastack.platform.tests.unit.plugins.module_utils.test_patroni_api import (
    ENDPOINTS, FakePatroni, serve,
)
from ansible_collections.hastack.platform.tests.unit.plugins.modules.utils import ExitJson, FailJson, module_result

AUTH = dict(endpoints=ENDPOINTS, ca_file='/etc/hastack/tls/ca.crt', username='patroni', password='s3cret')


class MemberFake(FakePatroni):
    """FakePatroni whose members restart, reinitialize and reload, each from its own REST API.

    /patroni is derived from the member's /cluster entry; 'started' stands
    for postmaster_start_time. A reinitialize takes back_after GET /patroni
    of the member before it streams again."""

    def __init__(self):
        super(MemberFake, self).__init__()
        for number, entry in enumerate(self.cluster['members']):
            entry['started'] = '2026-11-30 09:0%d:00+00:00' % number
        self.back_after = 2
        self._coming_back = {}

    def entry(self, name):
        return next(m for m in self.cluster['members'] if m['name'] == name)

    def do_GET(self, base, path, body):
        if path != '/patroni':
            return super(MemberFake, self).do_GET(base, path, body)
        name = self.name_at(base)
        entry = self.entry(name)
        if name in self._coming_back:
            self._coming_back[name] -= 1
            if self._coming_back[name] < 0:
                del self._coming_back[name]
                entry.update(state='streaming', lag=0, started='2026-11-30 10:30:00+00:00',
                             timeline=self.entry('db1')['timeline'])
        leader = entry['role'] == 'leader'
        status = {'state': 'running' if entry['state'] in ('running', 'streaming') else entry['state'],
                  'role': 'primary' if leader else 'replica', 'timeline': entry['timeline'],
                  'patroni': {'version': self.VERSION, 'scope': self.cluster['scope'], 'name': name}}
        if status['state'] == 'running':
            status['postmaster_start_time'] = entry['started']
            if not leader and entry['state'] == 'streaming':
                status['replication_state'] = 'streaming'
        if entry.get('pending_restart'):
            status['pending_restart'] = True
        return 200, status

    def do_POST(self, base, path, body):
        if path in ('/switchover', '/failover'):
            return super(MemberFake, self).do_POST(base, path, body)
        name = self.name_at(base)
        entry = self.entry(name)
        if path == '/reload':
            return 202, 'reload scheduled'
        if path == '/restart':
            if 'restart_pending' in body and not entry.get('pending_restart'):
                return 503, 'restart conditions are not satisfied'
            entry.update(pending_restart=False, started='2026-11-30 10:31:00+00:00')
            return 200, 'restarted successfully'
        assert path == '/reinitialize'
        if entry['role'] == 'leader':
            return 503, 'I am the leader, can not reinitialize'
        entry.update(state='creating replica', lag='unknown')
        self._coming_back[name] = self.back_after
        return 200, 'reinitialize started'


@pytest.fixture
def fake(monkeypatch):
    return serve(monkeypatch, MemberFake())


def result_of(monkeypatch, args, outcome=ExitJson):
    return module_result(monkeypatch, patroni_member, dict(AUTH, **args), outcome)


def test_restarts_a_member_with_a_pending_restart(monkeypatch, fake):
    fake.entry('db3')['pending_restart'] = True
    result = result_of(monkeypatch, {'member': 'db3', 'state': 'restarted'})
    assert result['changed'] is True and result['action'] == 'restart'
    assert result['before']['pending_restart'] is True and result['after']['pending_restart'] is False
    assert result['after']['state'] == 'streaming' and result['after']['timeline'] == 4
    post = fake.writes()[0]
    assert post['url'] == ENDPOINTS[2] + '/restart' and post['body'] == {'restart_pending': True}
    assert post['kwargs']['url_password'] == 's3cret'


def test_no_pending_restart_changes_nothing(monkeypatch, fake):
    result = result_of(monkeypatch, {'member': 'db3', 'state': 'restarted'})
    assert result['changed'] is False and result['action'] is None and fake.writes() == []
    assert result['before'] == result['after'] and result['before']['state'] == 'streaming'


def test_an_unconditional_restart_sends_no_pending_filter(monkeypatch, fake):
    result = result_of(monkeypatch, {'member': 'db2', 'state': 'restarted', 'only_pending_restart': False})
    assert result['changed'] is True
    # Patroni tests the key's presence: restart_pending=false would still filter.
    assert fake.writes()[0]['body'] == {} and fake.writes()[0]['url'] == ENDPOINTS[1] + '/restart'


def test_the_leader_is_not_restarted_unless_allowed(monkeypatch, fake):
    fake.entry('db1')['pending_restart'] = True
    msg = result_of(monkeypatch, {'member': 'db1', 'state': 'restarted'}, FailJson)['msg']
    assert msg.startswith('Refusing to restart db1:') and 'allow_leader=true' in msg
    assert fake.writes() == []
    result = result_of(monkeypatch, {'member': 'db1', 'state': 'restarted', 'allow_leader': True})
    assert result['changed'] is True and result['after']['role'] == 'leader' and result['after']['state'] == 'running'
    assert fake.writes()[0]['url'] == ENDPOINTS[0] + '/restart'


def test_the_leader_is_never_reinitialized(monkeypatch, fake):
    msg = result_of(monkeypatch, {'member': 'db1', 'state': 'reinitialized', 'force': True}, FailJson)['msg']
    assert msg.startswith('Refusing to reinitialize db1:') and 'holds the leader lease' in msg
    assert fake.writes() == []


def test_a_streaming_replica_is_reinitialized_only_with_force(monkeypatch, fake):
    msg = result_of(monkeypatch, {'member': 'db3', 'state': 'reinitialized'}, FailJson)['msg']
    assert 'running and streaming' in msg and 'force=true' in msg and fake.writes() == []
    result = result_of(monkeypatch, {'member': 'db3', 'state': 'reinitialized', 'force': True})
    assert result['changed'] is True and result['after']['state'] == 'streaming'
    assert fake.writes()[0]['url'] == ENDPOINTS[2] + '/reinitialize' and fake.writes()[0]['body'] == {'force': True}
    # It waited for the clone, not for the state it had before the request.
    assert fake.entry('db3')['started'] == '2026-11-30 10:30:00+00:00'


@pytest.mark.parametrize('state', ['start failed', 'stopped'])
def test_a_broken_replica_is_reinitialized(monkeypatch, fake, state):
    fake.entry('db3').update(state=state, lag='unknown', timeline=3)
    result = result_of(monkeypatch, {'member': 'db3', 'state': 'reinitialized'})
    assert result['changed'] is True and result['action'] == 'reinitialize'
    assert result['before'] == dict(role='replica', state=state, timeline=3, lag_bytes=None, pending_restart=False)
    assert result['after'] == dict(role='replica', state='streaming', timeline=4, lag_bytes=0, pending_restart=False)
    assert fake.writes()[0]['body'] == {'force': False}


def test_a_member_that_does_not_come_back_fails(monkeypatch, fake):
    fake.entry('db3').update(state='stopped', lag='unknown')
    fake.back_after = 10 ** 6
    msg = result_of(monkeypatch, {'member': 'db3', 'state': 'reinitialized', 'wait_timeout': 20}, FailJson)['msg']
    assert 'db3 did not come back within 20 s after the reinitialize: PostgreSQL is creating replica' in msg


def test_check_mode_checks_and_sends_nothing(monkeypatch, fake):
    fake.entry('db3')['pending_restart'] = True
    result = result_of(monkeypatch, {'member': 'db3', 'state': 'restarted', '_ansible_check_mode': True})
    assert result['changed'] is True and result['action'] == 'restart' and result['after']['pending_restart'] is True
    fake.entry('db2').update(state='start failed')
    result = result_of(monkeypatch, {'member': 'db2', 'state': 'reinitialized', '_ansible_check_mode': True})
    assert result['changed'] is True and result['action'] == 'reinitialize'
    msg = result_of(monkeypatch, {'member': 'db1', 'state': 'reinitialized', '_ansible_check_mode': True}, FailJson)['msg']
    assert 'holds the leader lease' in msg
    assert fake.writes() == []


def test_reload_goes_to_the_member(monkeypatch, fake):
    result = result_of(monkeypatch, {'member': 'db2', 'state': 'reloaded'})
    assert result['changed'] is True and result['action'] == 'reload'
    assert [(w['url'], w['body']) for w in fake.writes()] == [(ENDPOINTS[1] + '/reload', {})]


def test_an_unknown_member_is_named(monkeypatch, fake):
    msg = result_of(monkeypatch, {'member': 'db9', 'state': 'reloaded'}, FailJson)['msg']
    assert 'db9 is not a member of the cluster hastack (members: db1, db2, db3)' in msg and fake.writes() == []


def test_a_refusal_of_patroni_surfaces_with_the_url(monkeypatch, fake):
    fake.entry('db3')['state'] = 'stopped'
    fake.overrides[('POST', '/reinitialize')] = (503, 'restart already in progress')
    result = result_of(monkeypatch, {'member': 'db3', 'state': 'reinitialized'}, FailJson)
    assert result['status'] == 503 and result['url'] == ENDPOINTS[2] + '/reinitialize'
    assert 'restart already in progress' in result['msg']
