from __future__ import annotations

import base64
import copy
import http.server
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

import pytest

from ansible_collections.hastack.platform.plugins.module_utils import patroni_api as api

# GET /cluster of a Patroni 4.0 cluster in quorum commit mode, shaped like docs/rest_api.rst.
QUORUM_CLUSTER = {
    'members': [
        {'name': 'db1', 'role': 'leader', 'state': 'running', 'api_url': 'https://10.231.40.11:8008/patroni',
         'host': '10.231.40.11', 'port': 5432, 'timeline': 4, 'tags': {}},
        {'name': 'db2', 'role': 'quorum_standby', 'state': 'streaming', 'api_url': 'https://10.231.40.12:8008/patroni',
         'host': '10.231.40.12', 'port': 5432, 'timeline': 4, 'tags': {}, 'lag': 4096},
        {'name': 'db3', 'role': 'replica', 'state': 'streaming', 'api_url': 'https://10.231.40.13:8008/patroni',
         'host': '10.231.40.13', 'port': 5432, 'timeline': 4, 'tags': {}, 'lag': 0},
    ],
    'scope': 'hastack',
}
QUORUM_CONFIG = {
    'ttl': 30, 'loop_wait': 10, 'retry_timeout': 10, 'maximum_lag_on_failover': 1048576,
    'synchronous_mode': 'quorum', 'synchronous_node_count': 1, 'failsafe_mode': True,
    'postgresql': {'use_pg_rewind': True, 'use_slots': True,
                   'parameters': {'hot_standby': 'on', 'wal_level': 'replica', 'max_connections': '100'}},
}
# The example of docs/rest_api.rst as it stands (asynchronous, a scheduled switchover).
DOCS_CLUSTER = {
    'members': [
        {'name': 'patroni1', 'role': 'leader', 'state': 'running', 'api_url': 'http://10.89.0.4:8008/patroni',
         'host': '10.89.0.4', 'port': 5432, 'timeline': 5, 'tags': {'clonefrom': True}},
        {'name': 'patroni2', 'role': 'replica', 'state': 'streaming', 'api_url': 'http://10.89.0.6:8008/patroni',
         'host': '10.89.0.6', 'port': 5433, 'timeline': 5, 'tags': {'clonefrom': True}, 'lag': 0},
    ],
    'scope': 'demo',
    'scheduled_switchover': {'at': '2023-09-24T10:36:00+02:00', 'from': 'patroni1', 'to': 'patroni3'},
}
ENDPOINTS = ['https://10.231.40.11:8008', 'https://10.231.40.12:8008', 'https://10.231.40.13:8008']


class FakeResponse(object):
    def __init__(self, status, body):
        self.status = status
        self.body = body if isinstance(body, str) else json.dumps(body)

    def read(self):
        return self.body.encode('utf-8')


class FakeTime(object):
    """A clock that moves only when slept on, so waits take no real time."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def serve(monkeypatch, patroni):
    """Send the module_utils' requests and clock to a simulated Patroni."""
    monkeypatch.setattr(api, 'open_url', patroni)
    monkeypatch.setattr(api, 'time', FakeTime())
    return patroni


class FakePatroni(object):
    """Patroni 4.0's REST API for the members of one cluster, as open_url sees it; records every call."""

    VERSION = '4.0.7'

    def __init__(self, cluster=None, config=None):
        self.cluster = copy.deepcopy(cluster or QUORUM_CLUSTER)
        self.config = copy.deepcopy(config if config is not None else QUORUM_CONFIG)
        self.down = set()          # endpoints that refuse connections
        self.no_dcs = False        # GET /cluster fails everywhere (etcd lost its quorum)
        self.stale = set()         # members that never apply a new pause state
        self.slow = {}             # member -> GET /patroni answers before it applies a new pause state
        self.failsafe_active = set()
        self.promote_after = 0     # GET /cluster calls before a takeover shows
        self.unknown_outcome = False  # answer a takeover it carries out with 503 'status unknown'
        self.overrides = {}        # (method, path) -> (status, body) or an exception, used once
        self.calls = []
        self._pending = None

    # --- what open_url would do ---
    def __call__(self, url, **kwargs):
        body = json.loads(kwargs['data']) if kwargs.get('data') else None
        method = kwargs.get('method', 'GET')
        self.calls.append(dict(method=method, url=url, body=body, kwargs=kwargs))
        parts = urlsplit(url)
        base, path = '%s://%s' % (parts.scheme, parts.netloc), parts.path
        if base in self.down:
            raise URLError(ConnectionRefusedError(111, 'Connection refused'))
        override = self.overrides.pop((method, path), None)
        if isinstance(override, Exception):
            raise override
        if override is None:
            override = getattr(self, 'do_%s' % method)(base, path, body)
        status, answer = override
        if status >= 400:
            raise HTTPError(url, status, 'error', {}, io.BytesIO(answer.encode('utf-8')))
        return FakeResponse(status, answer)

    def writes(self):
        return [c for c in self.calls if c['method'] != 'GET']

    def name_at(self, base):
        return next(m['name'] for m in self.cluster['members'] if m['api_url'].startswith(base))

    def do_GET(self, base, path, body):
        if path == '/cluster':
            if self.no_dcs:
                raise URLError(ConnectionResetError(104, 'Connection reset by peer'))
            if self._pending and self.promote_after <= 0:
                self._pending()
                self._pending = None
            self.promote_after -= 1
            answer = copy.deepcopy(self.cluster)
            if self.config.get('pause'):
                answer['pause'] = True
            return 200, answer
        if path == '/config':
            return 200, copy.deepcopy(self.config)
        if path == '/patroni':
            name = self.name_at(base)
            entry = next(m for m in self.cluster['members'] if m['name'] == name)
            stale = name in self.stale or self.slow.get(name, 0) > 0
            self.slow[name] = self.slow.get(name, 0) - 1
            status = {'state': 'running', 'role': 'primary' if entry['role'] == 'leader' else 'replica',
                      'timeline': entry['timeline'], 'dcs_last_seen': 1764496000,
                      'patroni': {'version': self.VERSION, 'scope': self.cluster['scope'], 'name': name}}
            if bool(self.config.get('pause')) != stale:
                status['pause'] = True
            if name in self.failsafe_active:
                status['failsafe_mode_is_active'] = True
            return 200, status
        return 404, 'Not Found'

    def do_PATCH(self, base, path, body):
        assert path == '/config'
        for key, value in body.items():
            if value is None:
                self.config.pop(key, None)
            elif isinstance(value, dict) and isinstance(self.config.get(key), dict):
                self.config[key] = api.apply_patch(self.config[key], value)
            else:
                self.config[key] = value
        return 200, copy.deepcopy(self.config)

    def do_POST(self, base, path, body):
        leader = next((m for m in self.cluster['members'] if m['role'] == 'leader'), None)
        if path == '/switchover' and (not leader or body.get('leader') != leader['name']):
            return 412, 'leader name does not match'
        candidate = body.get('candidate')
        if path == '/switchover' and body.get('scheduled_at'):
            self.cluster['scheduled_switchover'] = {'at': body['scheduled_at'], 'from': body['leader']}
            return 202, 'Switchover scheduled'

        def promote():
            timeline = max(m['timeline'] for m in self.cluster['members']) + 1
            for entry in self.cluster['members']:
                if entry['name'] == candidate:
                    entry.update(role='leader', state='running', timeline=timeline)
                    entry.pop('lag', None)
                elif entry['role'] == 'leader':
                    entry.update(role='replica', state='streaming', timeline=timeline, lag=0)
        self._pending = promote
        if self.unknown_outcome:
            return 503, 'Switchover status unknown'
        return 200, 'Successfully %s over to "%s"' % ('switched' if path == '/switchover' else 'failed', candidate)


def quorum_view(**changes):
    """The quorum cluster's view with members changed: changes = {name: {key: value}}."""
    raw = copy.deepcopy(QUORUM_CLUSTER)
    for entry in raw['members']:
        entry.update(changes.get(entry['name'], {}))
    view = api.cluster_view(raw, QUORUM_CONFIG)
    view['endpoint'] = ENDPOINTS[0]
    return view


@pytest.fixture
def fake(monkeypatch):
    patroni = FakePatroni()
    monkeypatch.setattr(api, 'open_url', patroni)
    monkeypatch.setattr(api, 'time', FakeTime())
    return patroni


def client(**kwargs):
    return api.PatroniClient(kwargs.pop('endpoints', ENDPOINTS), **kwargs)


# --- connection layer ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('given,expected', [
    ('db1', 'https://db1:8008'),
    ('db1.example:8443', 'https://db1.example:8443'),
    ('https://10.231.40.11:8008/', 'https://10.231.40.11:8008'),
    ('http://db1', 'http://db1:8008'),
    ('https://[fd00::11]:8008', 'https://[fd00::11]:8008'),
])
def test_endpoints_are_normalised(given, expected):
    assert api.normalise_endpoint(given) == expected


@pytest.mark.parametrize('bad', ['', 'ftp://db1', 'https://'])
def test_bad_endpoints_are_refused_with_an_example(bad):
    with pytest.raises(api.PatroniApiError, match='https://db1.example:8008'):
        api.normalise_endpoint(bad)


def test_reads_verify_tls_and_carry_no_password(fake):
    api.PatroniClient(ENDPOINTS, ca_file='/etc/hastack/tls/ca.crt', client_cert='/c.crt', client_key='/c.key',
                      username='patroni', password='s3cret').get(ENDPOINTS[0], '/cluster')
    kwargs = fake.calls[0]['kwargs']
    assert kwargs['validate_certs'] is True and kwargs['ca_path'] == '/etc/hastack/tls/ca.crt'
    assert kwargs['client_cert'] == '/c.crt' and kwargs['client_key'] == '/c.key'
    assert kwargs['use_proxy'] is False and kwargs['timeout'] == 5
    assert 'url_password' not in kwargs


def test_writes_carry_basic_auth(fake):
    api.PatroniClient(ENDPOINTS, username='patroni', password='s3cret').request(ENDPOINTS[0], 'PATCH', '/config', {'ttl': 30})
    kwargs = fake.calls[0]['kwargs']
    assert kwargs['url_username'] == 'patroni' and kwargs['url_password'] == 's3cret' and kwargs['force_basic_auth']
    assert fake.calls[0]['body'] == {'ttl': 30} and kwargs['headers']['Content-Type'] == 'application/json'


def test_the_password_never_goes_over_plain_http(fake):
    with pytest.raises(api.PatroniApiError, match='over plain http'):
        api.PatroniClient(['http://10.231.40.11:8008'], username='patroni', password='s3cret').request(
            'http://10.231.40.11:8008', 'POST', '/switchover', {'leader': 'db1'})
    assert fake.calls == []


def test_http_errors_name_the_url_the_status_and_the_fix(fake):
    fake.overrides[('PATCH', '/config')] = (401, 'no auth header received')
    with pytest.raises(api.PatroniApiError) as caught:
        client(username='patroni', password='wrong').request(ENDPOINTS[1], 'PATCH', '/config', {'ttl': 30})
    assert caught.value.url == 'https://10.231.40.12:8008/config' and caught.value.status == 401
    assert str(caught.value) == ('PATCH https://10.231.40.12:8008/config: HTTP 401 (no auth header received): check '
                                 'username/password against restapi.authentication in patroni.yml')


def test_a_refused_connection_was_not_reached_but_a_timeout_may_have_been(fake):
    fake.down.add(ENDPOINTS[0])
    with pytest.raises(api.PatroniApiError) as refused:
        client().request(ENDPOINTS[0], 'POST', '/failover', {'candidate': 'db2'})
    assert refused.value.reached is False and 'Connection refused' in str(refused.value)
    fake.overrides[('POST', '/failover')] = URLError(socket.timeout('timed out'))
    with pytest.raises(api.PatroniApiError) as timed_out:
        client().request(ENDPOINTS[1], 'POST', '/failover', {'candidate': 'db2'}, timeout=30)
    assert timed_out.value.reached is True and 'no answer within 30 s' in str(timed_out.value)


def test_certificate_errors_point_at_ca_file(fake):
    import ssl
    fake.overrides[('GET', '/cluster')] = URLError(ssl.SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED]'))
    with pytest.raises(api.PatroniApiError, match='check ca_file'):
        client().get(ENDPOINTS[0], '/cluster')


def test_the_first_answering_member_is_read(fake):
    fake.down.add(ENDPOINTS[0])
    view, config = api.read_cluster(client())
    assert view['endpoint'] == ENDPOINTS[1] and view['leader'] == 'db1' and config['ttl'] == 30


def test_no_answer_lists_every_member_tried(fake):
    fake.down.update(ENDPOINTS)
    with pytest.raises(api.PatroniApiError) as caught:
        api.read_cluster(client())
    assert all(url + '/cluster' in str(caught.value) for url in ENDPOINTS)
    assert 'Check that Patroni runs' in str(caught.value)


def test_a_write_moves_on_only_when_the_member_was_not_reached(fake):
    fake.down.add(ENDPOINTS[0])
    base, (status, dummy) = client().write('PATCH', '/config', {'ttl': 30}, ENDPOINTS)
    assert base == ENDPOINTS[1] and status == 200
    fake.overrides[('PATCH', '/config')] = (409, 'Conflict')
    with pytest.raises(api.PatroniApiError, match='HTTP 409'):
        client().write('PATCH', '/config', {'ttl': 30}, ENDPOINTS[1:])
    assert [c['url'] for c in fake.writes()][-1] == ENDPOINTS[1] + '/config'  # not retried on db3


def test_a_members_own_endpoint_is_found_by_its_api_url(fake):
    view = quorum_view()
    assert client().endpoint_of(api.member(view, 'db2')) == ENDPOINTS[1]
    assert client().order_for(api.member(view, 'db3'), ENDPOINTS[0]) == [ENDPOINTS[2], ENDPOINTS[0], ENDPOINTS[1]]


def test_a_member_behind_a_name_is_found_through_patroni(fake):
    named = ['https://db1.example:8008', 'https://db2.example:8008']

    def opener(url, **kwargs):
        return FakeResponse(200, {'patroni': {'name': 'db2' if 'db2' in url else 'db1'}})
    found = api.PatroniClient(named, opener=opener).endpoint_of({'name': 'db2', 'api_url': 'https://10.0.0.2:8008/patroni'})
    assert found == named[1]


# --- the view -----------------------------------------------------------------------------------------------

def test_view_of_a_quorum_cluster():
    view = quorum_view()
    assert view['leader'] == 'db1' and view['leader_state'] == 'running' and view['timeline'] == 4
    assert view['sync_standbys'] == ['db2'] and view['synchronous_mode'] == 'quorum'
    assert view['paused'] is False and view['pending_restart'] == []
    assert [m['lag_bytes'] for m in view['members']] == [None, 4096, 0]


def test_view_of_the_docs_example():
    view = api.cluster_view(DOCS_CLUSTER)
    assert view['leader'] == 'patroni1' and view['timeline'] == 5 and view['scope'] == 'demo'
    assert view['synchronous_mode'] is None and view['sync_standbys'] == []  # /config unknown, no sync roles
    assert view['scheduled_switchover']['to'] == 'patroni3'


def test_pause_comes_from_cluster_or_config():
    assert api.cluster_view(dict(QUORUM_CLUSTER, pause=True))['paused'] is True
    assert api.cluster_view(QUORUM_CLUSTER, dict(QUORUM_CONFIG, pause=True))['paused'] is True


@pytest.mark.parametrize('tags,expected', [
    ({}, False), ({'nofailover': True}, True), ({'failover_priority': 0}, True),
    ({'failover_priority': 2}, False), ({'nofailover': False, 'failover_priority': 0}, False),
])
def test_nofailover_as_patroni_decides_it(tags, expected):
    assert api.nofailover(tags) is expected


def test_unknown_lag_and_pending_restart():
    view = quorum_view(db3={'lag': 'unknown', 'pending_restart': True})
    assert api.member(view, 'db3')['lag_bytes'] is None and view['pending_restart'] == ['db3']


@pytest.mark.parametrize('config,expected', [
    ({'synchronous_mode': True}, 'on'), ({'synchronous_mode': 'on'}, 'on'), ({'synchronous_mode': 'quorum'}, 'quorum'),
    ({'synchronous_mode': False}, 'off'), ({}, 'off'),
])
def test_synchronous_mode_from_config(config, expected):
    assert api.synchronous_mode(config) == expected


# --- best candidate and switchover checks ------------------------------------------------------------------

def test_a_quorum_standby_is_preferred_over_a_closer_async_replica():
    assert api.best_candidate(quorum_view()) == 'db2'


def test_the_lowest_lag_wins_among_equals():
    view = quorum_view(db2={'role': 'replica', 'lag': 4096})
    assert api.best_candidate(view) == 'db3'


@pytest.mark.parametrize('change', [
    {'state': 'starting'}, {'tags': {'nofailover': True}}, {'timeline': 3}, {'lag': 2 * 1048576}, {'lag': 'unknown'},
])
def test_an_unfit_quorum_standby_is_passed_over(change):
    assert api.best_candidate(quorum_view(db2=change)) == 'db3'


def test_no_candidate_when_no_replica_fits():
    assert api.best_candidate(quorum_view(db2={'state': 'stopped'}, db3={'tags': {'failover_priority': 0}})) is None


def test_switchover_to_a_healthy_target_passes():
    assert api.switchover_refusals(quorum_view(), 'db3') == ('db3', [])
    assert api.switchover_refusals(quorum_view()) == ('db2', [])


def refusal(view, *args, **kwargs):
    candidate, reasons = api.switchover_refusals(view, *args, **kwargs)
    assert reasons, 'expected a refusal'
    return ' '.join(reasons)


def test_refused_without_a_leader():
    msg = refusal(quorum_view(db1={'role': 'replica', 'state': 'stopped'}), 'db2')
    assert 'no leader' in msg and 'mode=failover' in msg


def test_refused_when_the_leader_does_not_run():
    assert 'The leader db1 is stopping, not running' in refusal(quorum_view(db1={'state': 'stopping'}), 'db2')


def test_refused_for_an_unknown_target():
    msg = refusal(quorum_view(), 'db9')
    assert 'db9 is not a member of the cluster hastack (members: db1, db2, db3)' in msg


@pytest.mark.parametrize('change,words', [
    ({'state': 'starting'}, 'db2 is starting, not streaming from the leader'),
    ({'state': 'crashed'}, 'rejoin.yml'),
    ({'tags': {'nofailover': True}}, 'tagged nofailover'),
    ({'timeline': 3}, 'db2 is on timeline 3, the leader on 4'),
    ({'lag': 8192}, 'db2 is 8192 bytes behind the leader, more than max_lag_bytes=4096'),
    ({'lag': 'unknown'}, 'an unknown number of bytes behind'),
])
def test_refused_for_an_unfit_target(change, words):
    assert words in refusal(quorum_view(db2=change), 'db2', max_lag_bytes=4096)


def test_the_lag_bound_defaults_to_maximum_lag_on_failover():
    assert api.switchover_refusals(quorum_view(db2={'lag': 1048576}), 'db2')[1] == []
    assert 'more than max_lag_bytes=1048576' in refusal(quorum_view(db2={'lag': 1048577}), 'db2')


def test_refused_when_paused_unless_allowed():
    view = quorum_view()
    view['paused'] = True
    assert 'resume it first (patroni_pause state=resumed)' in refusal(view, 'db2')
    assert api.switchover_refusals(view, 'db2', allow_paused=True)[1] == []
    assert 'cannot schedule a switchover in pause' in refusal(view, 'db2', allow_paused=True,
                                                              scheduled_at='2026-12-01T02:00+00:00')


def test_synchronous_mode_on_needs_a_sync_standby():
    raw = copy.deepcopy(QUORUM_CLUSTER)
    raw['members'][1]['role'] = 'sync_standby'
    view = api.cluster_view(raw, dict(QUORUM_CONFIG, synchronous_mode='on'))
    assert 'db3 is not a synchronous standby (those are: db2)' in refusal(view, 'db3')
    assert api.switchover_refusals(view, 'db2')[1] == []


def test_refused_while_another_switchover_is_scheduled():
    view = quorum_view()
    view['scheduled_switchover'] = {'at': '2026-12-01T02:00:00+00:00', 'from': 'db1', 'to': 'db3'}
    assert 'already scheduled (at 2026-12-01T02:00:00+00:00 from db1 to db3)' in refusal(view, 'db2')
    assert api.same_schedule(view['scheduled_switchover'], 'db1', 'db3', '2026-12-01T02:00Z')


def test_every_reason_is_given_at_once():
    msg = refusal(quorum_view(db2={'tags': {'nofailover': True}, 'timeline': 3}), 'db2')
    assert 'nofailover' in msg and 'timeline 3' in msg


def test_no_fit_replica_explains_each():
    msg = refusal(quorum_view(db2={'state': 'stopped'}, db3={'lag': 'unknown'}))
    assert msg.startswith('No replica qualifies for a switchover.') and 'db2 is stopped' in msg and 'db3 is an unknown' in msg


# --- forced failover ----------------------------------------------------------------------------------------

LEADERLESS = dict(db1={'role': 'replica', 'state': 'stopped', 'lag': 'unknown'})


def failover_refusal(view, *args, **kwargs):
    candidate, reasons = api.failover_refusals(view, *args, **kwargs)
    assert reasons, 'expected a refusal'
    return ' '.join(reasons)


def test_failover_to_the_quorum_standby_is_safe():
    assert api.failover_refusals(quorum_view(**LEADERLESS), 'db2') == ('db2', [])
    assert api.failover_refusals(quorum_view(**LEADERLESS)) == ('db2', [])


def test_failover_outside_the_quorum_set_would_lose_commits():
    msg = failover_refusal(quorum_view(**LEADERLESS), 'db3')
    assert 'db3 is not a quorum standby (those are: db2)' in msg and 'allow_data_loss=true' in msg
    assert api.failover_refusals(quorum_view(**LEADERLESS), 'db3', allow_data_loss=True) == ('db3', [])


def test_failover_to_a_quorum_standby_behind_another_is_refused():
    raw = dict(LEADERLESS, db3={'role': 'quorum_standby', 'lag': 0})
    assert 'db2 is behind db3, which may hold commits it lacks: choose db3' in failover_refusal(quorum_view(**raw), 'db2')
    assert api.failover_refusals(quorum_view(**raw)) == ('db3', [])


def test_async_failover_needs_the_last_known_position():
    config = dict(QUORUM_CONFIG, synchronous_mode='off')
    raw = copy.deepcopy(QUORUM_CLUSTER)
    raw['members'][0].update(role='replica', state='stopped', lag='unknown')
    raw['members'][1].update(role='replica')
    view = api.cluster_view(raw, config)
    assert 'db2 is 4096 bytes behind the last WAL position the leader recorded' in failover_refusal(view, 'db2')
    assert api.failover_refusals(view, 'db3') == ('db3', [])


def test_failover_refuses_an_older_timeline_and_a_stopped_or_nofailover_member():
    assert 'timeline 3 but timeline 4 exists' in failover_refusal(quorum_view(db2={'timeline': 3}, **LEADERLESS), 'db2')
    assert 'db2 is stopped: PostgreSQL must run' in failover_refusal(quorum_view(db2={'state': 'stopped'}, **LEADERLESS), 'db2')
    nofail = quorum_view(db2={'tags': {'nofailover': True}}, **LEADERLESS)
    assert 'nofailover' in failover_refusal(nofail, 'db2', allow_data_loss=True)  # the flag does not lift this


def test_failover_accepts_a_replica_whose_upstream_is_gone():
    view = quorum_view(db2={'state': 'in archive recovery'}, **LEADERLESS)
    assert api.failover_refusals(view, 'db2') == ('db2', [])


def test_failover_with_no_fit_member_explains_each():
    msg = failover_refusal(quorum_view(db2={'state': 'stopped'}, **LEADERLESS))
    assert msg.startswith('No member qualifies for a failover.') and 'db3 is not a quorum standby' in msg


# --- takeover ----------------------------------------------------------------------------------------------

def test_switchover_goes_to_the_leader_and_waits_for_the_candidate(fake):
    fake.promote_after = 3
    view = api.read_cluster(client())[0]
    after = api.takeover(client(username='patroni', password='s3cret'), view, 'switchover', 'db2', 60)
    post = fake.writes()[0]
    assert post['url'] == ENDPOINTS[0] + '/switchover' and post['body'] == {'leader': 'db1', 'candidate': 'db2'}
    assert post['kwargs']['timeout'] == 60  # Patroni itself polls for up to 20 s before it answers
    assert after['leader'] == 'db2' and after['timeline'] == 5


def test_failover_goes_to_the_candidate(fake):
    view = api.read_cluster(client())[0]
    after = api.takeover(client(), view, 'failover', 'db3', 60)
    assert fake.writes()[0]['url'] == ENDPOINTS[2] + '/failover' and fake.writes()[0]['body'] == {'candidate': 'db3'}
    assert after['leader'] == 'db3'


def test_patroni_refusing_is_final(fake):
    fake.overrides[('POST', '/switchover')] = (412, 'candidate name does not match with sync_standby')
    view = api.read_cluster(client())[0]
    with pytest.raises(api.PatroniApiError) as caught:
        api.takeover(client(), view, 'switchover', 'db3', 60)
    assert caught.value.status == 412 and 'candidate name does not match' in str(caught.value)
    assert len(fake.writes()) == 1


def test_an_unknown_outcome_is_waited_on(fake):
    view = api.read_cluster(client())[0]
    fake.overrides[('POST', '/switchover')] = URLError(socket.timeout('timed out'))
    with pytest.raises(api.PatroniApiError) as caught:
        api.takeover(client(), view, 'switchover', 'db2', 30)
    assert 'did not finish within 30 s: the leader is now db1 (running)' in str(caught.value)
    assert 'no answer within 30 s' in str(caught.value)


def test_status_unknown_is_waited_on_but_failed_is_final(fake):
    view = api.read_cluster(client())[0]
    fake.overrides[('POST', '/switchover')] = (503, 'Switchover failed')
    with pytest.raises(api.PatroniApiError, match='HTTP 503 \\(Switchover failed\\)'):
        api.takeover(client(), view, 'switchover', 'db2', 60)
    fake.unknown_outcome = True
    assert api.takeover(client(), view, 'switchover', 'db2', 60)['leader'] == 'db2'


def test_a_scheduled_switchover_returns_at_once(fake):
    view = api.read_cluster(client())[0]
    api.takeover(client(), view, 'switchover', None, 60, scheduled_at='2026-12-01T02:00+00:00')
    assert fake.writes()[0]['body'] == {'leader': 'db1', 'scheduled_at': '2026-12-01T02:00+00:00'}
    assert fake.cluster['scheduled_switchover']['from'] == 'db1'


# --- configuration -----------------------------------------------------------------------------------------

def test_config_patch_is_minimal_and_nested():
    patch, before, after = api.config_patch(QUORUM_CONFIG, {
        'ttl': 30, 'loop_wait': 5,
        'postgresql': {'parameters': {'max_connections': 200, 'hot_standby': 'on', 'work_mem': '8MB'}},
    })
    assert patch == {'loop_wait': 5, 'postgresql': {'parameters': {'max_connections': 200, 'work_mem': '8MB'}}}
    assert before == {'loop_wait': 10, 'postgresql': {'parameters': {'max_connections': '100'}}}
    assert after == patch


def test_config_patch_compares_values_as_patroni_does():
    assert api.config_patch(QUORUM_CONFIG, {'postgresql': {'parameters': {'max_connections': 100}}, 'ttl': '30'})[0] == {}


def test_config_patch_removes_with_null_and_adds_new_sections():
    patch, before, after = api.config_patch(QUORUM_CONFIG, {
        'failsafe_mode': None, 'check_timeline': None, 'slots': {'pgbackrest': {'type': 'physical'}, 'gone': None}})
    assert patch == {'failsafe_mode': None, 'slots': {'pgbackrest': {'type': 'physical'}}}
    assert before == {'failsafe_mode': True} and after == {'slots': {'pgbackrest': {'type': 'physical'}}}


def test_apply_patch_as_patroni():
    merged = api.apply_patch(QUORUM_CONFIG, {'ttl': 40, 'failsafe_mode': None, 'postgresql': {'parameters': {'x': 1}}})
    assert merged['ttl'] == 40 and 'failsafe_mode' not in merged
    assert merged['postgresql']['parameters']['x'] == 1 and merged['postgresql']['use_slots'] is True


@pytest.mark.parametrize('config,bad', [
    ({'ttl': 30, 'loop_wait': 10, 'retry_timeout': 10}, False),
    ({'ttl': 20, 'loop_wait': 5, 'retry_timeout': 5}, False),
    ({'ttl': 20, 'loop_wait': 10, 'retry_timeout': 10}, True),
    ({'ttl': 25}, True),  # with Patroni's defaults loop_wait 10 and retry_timeout 10
])
def test_lease_rule(config, bad):
    assert bool(api.lease_problem(config)) is bad


def test_apply_config_patches_only_what_differs(fake):
    view = api.read_cluster(client())[0]
    changed, patch, before, after, config = api.apply_config(client(), view, {'loop_wait': 5, 'ttl': 30})
    assert changed and patch == {'loop_wait': 5} and before == {'loop_wait': 10} and config['loop_wait'] == 5
    assert [(c['method'], c['url'], c['body']) for c in fake.writes()] == [('PATCH', ENDPOINTS[0] + '/config', {'loop_wait': 5})]
    assert api.apply_config(client(), view, {'loop_wait': 5, 'ttl': 30})[0] is False
    assert len(fake.writes()) == 1


def test_apply_config_in_check_mode_sends_nothing(fake):
    view = api.read_cluster(client())[0]
    changed, patch, before, after, config = api.apply_config(client(), view, {'synchronous_mode': 'on'}, check_mode=True)
    assert changed and before == {'synchronous_mode': 'quorum'} and config['synchronous_mode'] == 'on'
    assert fake.writes() == [] and fake.config['synchronous_mode'] == 'quorum'


def test_apply_config_refuses_a_lease_that_cannot_hold(fake):
    view = api.read_cluster(client())[0]
    with pytest.raises(api.PatroniApiError, match=r'loop_wait \(10\) \+ 2 \* retry_timeout \(10\) is more than ttl \(20\)'):
        api.apply_config(client(), view, {'ttl': 20})
    assert fake.writes() == []


def test_apply_config_notices_a_race(fake):
    view = api.read_cluster(client())[0]
    fake.overrides[('PATCH', '/config')] = (200, dict(QUORUM_CONFIG))
    with pytest.raises(api.PatroniApiError, match='still differs in loop_wait'):
        api.apply_config(client(), view, {'loop_wait': 5})


# --- pause -------------------------------------------------------------------------------------------------

def test_pause_patches_like_patronictl_and_waits_for_every_member(fake):
    view = api.read_cluster(client())[0]
    assert api.set_pause(client(), view, True, 30) == []
    assert fake.writes()[0]['body'] == {'pause': True} and fake.writes()[0]['url'] == ENDPOINTS[0] + '/config'
    assert api.set_pause(client(), view, False, 30) == []
    assert fake.writes()[1]['body'] == {'pause': None} and 'pause' not in fake.config


def test_pause_waits_for_a_member_that_follows_late(fake):
    view = api.read_cluster(client())[0]
    fake.slow['db2'] = 3
    assert api.set_pause(client(), view, True, 30) == []
    assert fake.slow['db2'] < 0  # it was asked until it followed


def test_pause_reports_a_member_that_does_not_follow(fake):
    fake.stale.add('db3')
    view = api.read_cluster(client())[0]
    assert api.set_pause(client(), view, True, 30) == ['db3']


# --- the report of patroni_cluster_info -------------------------------------------------------------------

def test_report_adds_member_versions_failsafe_and_the_best_candidate(fake):
    fake.down.add(ENDPOINTS[2])
    report = api.cluster_report(client())
    assert report['dcs_reachable'] and report['best_candidate'] == 'db2' and report['failsafe_mode'] is True
    assert report['patroni_versions'] == ['4.0.7'] and report['unreachable_endpoints'] == [ENDPOINTS[2]]
    assert [m['patroni_version'] for m in report['members']] == ['4.0.7', '4.0.7', None]
    fake.down.clear()
    fake.down.add(ENDPOINTS[0])
    fake.calls = []
    assert api.cluster_report(client())['endpoint'] == ENDPOINTS[1]
    assert [c['url'] for c in fake.calls].count(ENDPOINTS[0] + '/cluster') == 0  # the dead member is not asked twice


def test_report_without_the_dcs_shows_what_members_say(fake):
    fake.no_dcs = True
    fake.failsafe_active.add('db1')
    report = api.cluster_report(client())
    assert report['dcs_reachable'] is False and report['leader'] is None and report['failsafe_mode_is_active'] is True
    assert [(m['name'], m['role']) for m in report['members']] == [('db1', 'primary'), ('db2', 'replica'), ('db3', 'replica')]


def test_failover_with_a_running_leader_points_at_switchover():
    msg = failover_refusal(quorum_view(), 'db3')
    assert 'db3 is not a quorum standby' in msg and 'The leader db1 still runs: a switchover' in msg


# --- the real HTTP layer: open_url against a local HTTPS server -----------------------------------------------

def _openssl(*args, cwd):
    subprocess.run(('openssl',) + args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _issue(directory, name, extensions):
    """A key and a certificate signed by the test CA of directory, with the extensions the pki role's have
    (Python 3.13's strict verification wants the key identifiers)."""
    _openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', name + '.key',
             '-out', name + '.csr', '-subj', '/CN=' + name, cwd=directory)
    with open(os.path.join(directory, name + '.ext'), 'w') as handle:
        handle.write(extensions + 'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n')
    _openssl('x509', '-req', '-in', name + '.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1',
             '-out', name + '.crt', '-extfile', name + '.ext', cwd=directory)


@pytest.fixture(scope='module')
def pki(tmp_path_factory):
    if not shutil.which('openssl'):
        pytest.skip('openssl is needed to make test certificates')
    directory = str(tmp_path_factory.mktemp('pki'))
    _openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key',
             '-out', 'ca.crt', '-days', '1', '-subj', '/CN=hastack test CA',
             # as the pki role's CA: Python 3.13 (Debian 13) refuses a CA without key usage
             '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
             '-addext', 'keyUsage=critical,keyCertSign,cRLSign', cwd=directory)
    _issue(directory, 'server', 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n')
    _issue(directory, 'client', 'extendedKeyUsage=clientAuth\n')
    return lambda name: os.path.join(directory, name)


@pytest.fixture
def https_patroni(pki):
    """A REST API on 127.0.0.1 with a certificate for localhost only; records the Authorization header of writes."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode('utf-8')
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self.reply(200, QUORUM_CLUSTER)

        def do_PATCH(self):
            seen.append(self.headers.get('Authorization'))
            body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
            expected = 'Basic ' + base64.b64encode(b'patroni:s3cret').decode('ascii')
            if self.headers.get('Authorization') == expected:
                self.reply(200, body)
            else:
                self.reply(401, 'no auth header received')

    def start(client_ca=False):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki('server.crt'), pki('server.key'))
        if client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(pki('ca.crt'))
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    servers = []
    yield start, seen
    for server in servers:
        server.shutdown()
        server.server_close()


def test_https_with_the_ca_file_and_basic_auth_on_writes(pki, https_patroni):
    start, seen = https_patroni
    port = start()
    url = 'https://localhost:%d' % port
    real = api.PatroniClient([url], ca_file=pki('ca.crt'), username='patroni', password='s3cret')
    assert api.read_cluster(real)[0]['leader'] == 'db1'
    assert real.request(url, 'PATCH', '/config', {'ttl': 30}) == (200, {'ttl': 30})
    assert seen == ['Basic ' + base64.b64encode(b'patroni:s3cret').decode('ascii')]
    with pytest.raises(api.PatroniApiError, match='HTTP 401'):
        api.PatroniClient([url], ca_file=pki('ca.crt'), username='patroni', password='wrong').request(
            url, 'PATCH', '/config', {'ttl': 30})


def test_https_refuses_an_unknown_ca_and_a_wrong_host_name(pki, https_patroni):
    start = https_patroni[0]
    port = start()
    with pytest.raises(api.PatroniApiError, match='check ca_file') as unknown_ca:
        api.PatroniClient(['https://localhost:%d' % port]).get('https://localhost:%d' % port, '/cluster')
    assert unknown_ca.value.reached is False
    # The certificate names localhost, not 127.0.0.1.
    with pytest.raises(api.PatroniApiError, match='check ca_file'):
        api.PatroniClient(['https://127.0.0.1:%d' % port], ca_file=pki('ca.crt')).get('https://127.0.0.1:%d' % port, '/cluster')


def test_https_with_a_client_certificate(pki, https_patroni):
    start = https_patroni[0]
    url = 'https://localhost:%d' % start(client_ca=True)
    with_cert = api.PatroniClient([url], ca_file=pki('ca.crt'), client_cert=pki('client.crt'), client_key=pki('client.key'))
    assert with_cert.get(url, '/cluster')['scope'] == 'hastack'
    with pytest.raises(api.PatroniApiError):
        api.PatroniClient([url], ca_file=pki('ca.crt')).get(url, '/cluster')


# --- one member (patroni_member) ----------------------------------------------------------------------------

@pytest.mark.parametrize('name,action,changes,kwargs,changed,refusal', [
    ('db3', 'restart', {}, {}, False, None),
    ('db3', 'restart', {'db3': {'pending_restart': True}}, {}, True, None),
    ('db3', 'restart', {}, {'only_pending_restart': False}, True, None),
    ('db1', 'restart', {}, {}, False, None),  # nothing pending: nothing to refuse
    ('db1', 'restart', {'db1': {'pending_restart': True}}, {}, True, 'allow_leader=true'),
    ('db1', 'restart', {'db1': {'pending_restart': True}}, {'allow_leader': True}, True, None),
    ('db1', 'reinitialize', {}, {'force': True}, True, 'holds the leader lease'),
    ('db3', 'reinitialize', {}, {}, True, 'Pass force=true'),
    ('db3', 'reinitialize', {}, {'force': True}, True, None),
    ('db3', 'reinitialize', {'db3': {'state': 'start failed'}}, {}, True, None),
    ('db3', 'reinitialize', {'db3': {'state': 'running', 'timeline': 3}}, {}, True, None),
    ('db3', 'reinitialize', {'db1': {'role': 'replica', 'state': 'stopped'}, 'db3': {'state': 'stopped'}}, {}, True,
     'no leader to clone db3 from'),
    ('db3', 'reload', {}, {}, True, None),
    ('db9', 'reload', {}, {}, False, 'db9 is not a member of the cluster hastack'),
])
def test_member_plan(name, action, changes, kwargs, changed, refusal):
    got_changed, reasons = api.member_plan(quorum_view(**changes), name, action, **kwargs)
    assert got_changed is changed
    assert (refusal in ' '.join(reasons)) if refusal else reasons == []


REPLICA_BACK = {'state': 'running', 'role': 'replica', 'replication_state': 'streaming', 'timeline': 4,
                'postmaster_start_time': 'new'}


@pytest.mark.parametrize('status,entry,action,why', [
    (REPLICA_BACK, {}, 'reinitialize', None),
    (None, {}, 'restart', 'it does not answer'),
    (dict(REPLICA_BACK, state='creating replica'), {}, 'reinitialize', 'PostgreSQL is creating replica'),
    (dict(REPLICA_BACK, postmaster_start_time='old'), {}, 'reinitialize', 'not been stopped for the reinitialize'),
    (dict(REPLICA_BACK, postmaster_start_time='old'), {}, 'reload', None),
    (dict(REPLICA_BACK, pending_restart=True), {}, 'restart', 'a restart is still pending'),
    (dict(REPLICA_BACK, replication_state='in archive recovery'), {}, 'reload', 'not streaming from the leader'),
    (dict(REPLICA_BACK, timeline=3), {}, 'reinitialize', 'on timeline 3, the leader on 4'),
    (REPLICA_BACK, None, 'reinitialize', 'missing from /cluster'),
    (REPLICA_BACK, {'state': 'creating replica'}, 'reinitialize', '/cluster still shows it creating replica'),
    (REPLICA_BACK, {'timeline': 3}, 'reinitialize', '/cluster still shows it on timeline 3'),
    (REPLICA_BACK, {'pending_restart': True}, 'restart', '/cluster still shows a pending restart'),
    ({'state': 'running', 'role': 'primary', 'timeline': 4}, {'role': 'leader', 'state': 'running'}, 'restart', None),
])
def test_member_not_back(status, entry, action, why):
    cluster_entry = None if entry is None else dict(api.member(quorum_view(), 'db3'), **entry)
    got = api.member_not_back(status, cluster_entry, 4, action, 'old')
    assert (why in got) if why else got is None


def test_member_base_prefers_the_endpoints_then_the_api_url(fake):
    view = quorum_view(db2={'api_url': 'https://db2.example:8443/patroni', 'host': 'db2.example'})
    one = client(endpoints=ENDPOINTS[:1])
    assert api.member_base(client(), api.member(view, 'db3')) == ENDPOINTS[2]
    assert api.member_base(one, dict(api.member(view, 'db2'))) == 'https://db2.example:8443'
    with pytest.raises(api.PatroniApiError, match='add its REST API URL to endpoints'):
        api.member_base(one, dict(api.member(view, 'db2'), api_url=None))
    # It asked the one endpoint who it is (db1), never a host outside the fake.
    assert set(c['url'] for c in fake.calls) == {ENDPOINTS[0] + '/patroni'}
