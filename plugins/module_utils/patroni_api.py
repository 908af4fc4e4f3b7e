# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Patroni's REST API (4.0 and newer): one connection layer, one view of the cluster, the checks.

The layer under the patroni_* modules. Requests go over HTTPS with the
server's certificate and host name verified against ca_file; writes carry
HTTP basic auth and, when given, a client certificate. Every failure is a
PatroniApiError whose message names the member's URL, the HTTP status and
the fix; the modules turn it into fail_json once.

Patroni 4.0 calls the primary 'primary' (never 'master'); in /cluster the
lease holder has the role 'leader' ('standby_leader' in a standby cluster),
synchronous replicas 'sync_standby' or, with synchronous_mode: quorum,
'quorum_standby'.
"""

from __future__ import annotations

import datetime
import errno
import json
import socket
import ssl
import time
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

DEFAULT_PORT = 8008

API_ARGUMENT_SPEC = dict(
    endpoints=dict(type='list', elements='str', required=True),
    ca_file=dict(type='path'),
    client_cert=dict(type='path'),
    client_key=dict(type='path', no_log=False),
    username=dict(type='str'),
    password=dict(type='str', no_log=True),
    request_timeout=dict(type='int', default=5),
)
API_REQUIRED_TOGETHER = [('username', 'password')]
API_REQUIRED_BY = dict(client_key='client_cert')


def api_module(**options):
    """The AnsibleModule of a Patroni module: its own options besides the connection's, check mode."""
    return AnsibleModule(argument_spec=dict(API_ARGUMENT_SPEC, **options), required_together=API_REQUIRED_TOGETHER,
                         required_by=API_REQUIRED_BY, supports_check_mode=True)


LEADER_ROLES = ('leader', 'standby_leader')
SYNC_ROLES = ('sync_standby', 'quorum_standby')
REPLICA_ROLES = ('replica',) + SYNC_ROLES
# A replica may take over in a switchover only while it replicates from the leader.
SWITCHOVER_STATES = ('streaming', 'running')
# After the leader is gone a replica's WAL receiver stops; it still runs.
FAILOVER_STATES = ('streaming', 'running', 'in archive recovery')

# The keys of Patroni's dynamic configuration (docs/dynamic_configuration.rst, 4.0).
DYNAMIC_KEYS = frozenset((
    'loop_wait', 'ttl', 'retry_timeout', 'maximum_lag_on_failover', 'maximum_lag_on_syncnode',
    'max_timelines_history', 'primary_start_timeout', 'primary_stop_timeout', 'synchronous_mode',
    'synchronous_mode_strict', 'synchronous_node_count', 'failsafe_mode', 'check_timeline', 'postgresql',
    'standby_cluster', 'member_slots_ttl', 'slots', 'ignore_slots', 'pause',
))
# Patroni's defaults, for the lease rule when /config leaves a key out.
LEASE_DEFAULTS = dict(ttl=30, loop_wait=10, retry_timeout=10)
DEFAULT_MAXIMUM_LAG_ON_FAILOVER = 1048576

HINTS = {
    400: 'Patroni rejected the request body',
    401: 'check username/password against restapi.authentication in patroni.yml',
    403: 'this client is not allowed: check restapi.allowlist and the client certificate (restapi.verify_client)',
    409: 'the configuration changed at the same time; run again',
    412: 'Patroni found no member fit to take over; see the message',
    503: 'Patroni could not complete it (no leader, DCS unreachable, or the operation failed)',
}


class PatroniApiError(Exception):
    """A request failed or the cluster is not fit for the operation; the message says why and what to do."""

    def __init__(self, msg, url=None, status=None, body=None, reached=True):
        super(PatroniApiError, self).__init__(msg)
        self.url = url
        self.status = status
        self.body = body
        # False when the request never reached Patroni, so another member may be tried.
        self.reached = reached


def normalise_endpoint(endpoint):
    """'db1' -> 'https://db1:8008'; 'https://db1:8443/' -> 'https://db1:8443'."""
    text = str(endpoint).strip()
    if not text:
        raise PatroniApiError('endpoints holds an empty entry; give URLs such as https://db1.example:%d' % DEFAULT_PORT)
    if '://' not in text:
        text = 'https://' + text
    parts = urlsplit(text)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise PatroniApiError('endpoint %r is not an http(s) URL of a member; use e.g. https://db1.example:%d'
                              % (endpoint, DEFAULT_PORT))
    port = parts.port or DEFAULT_PORT
    host = '[%s]' % parts.hostname if ':' in parts.hostname else parts.hostname
    return '%s://%s:%d%s' % (parts.scheme, host, port, parts.path.rstrip('/'))


def _netloc(url):
    try:
        parts = urlsplit(url)
        return (parts.hostname or '').lower(), parts.port or DEFAULT_PORT
    except ValueError:
        return None


def _reason(exc):
    reason = getattr(exc, 'reason', exc)
    text = str(reason) or reason.__class__.__name__
    if 'CERTIFICATE_VERIFY_FAILED' in text or "doesn't match" in text or 'Hostname mismatch' in text:
        text += ' (check ca_file and that the certificate names the host in the URL)'
    return text


def _timed_out(exc):
    reason = getattr(exc, 'reason', exc)
    return isinstance(reason, (socket.timeout, TimeoutError)) or 'timed out' in str(reason)


def _unreached(exc):
    """Whether the request surely never reached Patroni (so sending it elsewhere cannot do it twice)."""
    reason = getattr(exc, 'reason', exc)
    return isinstance(reason, (ConnectionRefusedError, socket.gaierror, ssl.SSLError)) or \
        getattr(reason, 'errno', None) in (errno.EHOSTUNREACH, errno.ENETUNREACH)


def _decode(raw):
    text = raw.decode('utf-8', 'replace') if isinstance(raw, bytes) else (raw or '')
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()


class PatroniClient(object):
    """Requests to the REST API of the members listed in endpoints."""

    WRITE_METHODS = ('POST', 'PATCH', 'PUT', 'DELETE')

    def __init__(self, endpoints, ca_file=None, client_cert=None, client_key=None, username=None, password=None,
                 timeout=5, opener=None):
        self.endpoints = [normalise_endpoint(e) for e in endpoints or []]
        if not self.endpoints:
            raise PatroniApiError('endpoints is empty: list the REST API URL of every member, e.g. https://db1.example:%d'
                                  % DEFAULT_PORT)
        self.ca_file = ca_file
        self.client_cert = client_cert
        self.client_key = client_key
        self.username = username
        self.password = password
        self.timeout = timeout
        self._open = opener or open_url
        self._names = {}  # endpoint -> member name, from /patroni

    @classmethod
    def from_params(cls, params, opener=None):
        return cls(params['endpoints'], ca_file=params.get('ca_file'), client_cert=params.get('client_cert'),
                   client_key=params.get('client_key'), username=params.get('username'),
                   password=params.get('password'), timeout=params.get('request_timeout') or 5, opener=opener)

    def request(self, base, method, path, body=None, timeout=None):
        """(status, decoded body) of one request; PatroniApiError for anything but 2xx."""
        url = base + path
        write = method in self.WRITE_METHODS
        kwargs = dict(method=method, headers={'Accept': 'application/json'}, timeout=timeout or self.timeout,
                      validate_certs=True, ca_path=self.ca_file, client_cert=self.client_cert,
                      client_key=self.client_key, use_proxy=False, follow_redirects='none',
                      http_agent='hastack-patroni', use_netrc=False)
        if body is not None:
            kwargs['data'] = json.dumps(body)
            kwargs['headers']['Content-Type'] = 'application/json'
        if write and self.username:
            if url.startswith('http://'):
                raise PatroniApiError('%s %s: refusing to send the REST API password over plain http; use https'
                                      % (method, url), url=url, reached=False)
            kwargs.update(url_username=self.username, url_password=self.password, force_basic_auth=True)
        try:
            response = self._open(url, **kwargs)
            status = getattr(response, 'status', None) or response.getcode()
            return status, _decode(response.read())
        except HTTPError as exc:
            try:
                detail = _decode(exc.read())
            except Exception:  # pylint: disable=broad-except  # the body is only for the message
                detail = ''
            msg = '%s %s: HTTP %s' % (method, url, exc.code)
            if detail:
                msg += ' (%s)' % (json.dumps(detail) if not isinstance(detail, str) else detail)
            if exc.code in HINTS:
                msg += ': ' + HINTS[exc.code]
            raise PatroniApiError(msg, url=url, status=exc.code, body=detail)
        except (URLError, OSError, ValueError) as exc:
            if _timed_out(exc):
                msg = '%s %s: no answer within %s s' % (method, url, kwargs['timeout'])
            else:
                msg = '%s %s: %s' % (method, url, _reason(exc))
            raise PatroniApiError(msg, url=url, reached=not _unreached(exc))

    def get(self, base, path, timeout=None):
        return self.request(base, 'GET', path, timeout=timeout)[1]

    def first_answer(self, path, order=None):
        """(endpoint, body) of the first endpoint that answers GET path; a cluster may have lost members."""
        errors = []
        for base in order or self.endpoints:
            try:
                return base, self.get(base, path)
            except PatroniApiError as exc:
                errors.append(str(exc))
        raise PatroniApiError('No member answered GET %s: %s. Check that Patroni runs on them and that endpoints, '
                              'ca_file and the firewall let this host reach port %d.'
                              % (path, '; '.join(errors), DEFAULT_PORT))

    def write(self, method, path, body, order, timeout=None):
        """Send a write to the first endpoint of order that can be reached.

        Moves on only when a request never reached Patroni: an answer, or a
        timeout after sending, is final so nothing is done twice."""
        errors = []
        for base in order:
            try:
                return base, self.request(base, method, path, body, timeout)
            except PatroniApiError as exc:
                if exc.reached:
                    raise
                errors.append(str(exc))
        raise PatroniApiError('No member accepted %s %s: %s' % (method, path, '; '.join(errors)), reached=False)

    def member_status(self, base):
        """GET /patroni of one endpoint, remembering which member answers there."""
        status = self.get(base, '/patroni')
        name = (status.get('patroni') or {}).get('name') if isinstance(status, dict) else None
        if name:
            self._names[base] = name
        return status

    def endpoint_of(self, member):
        """The endpoint of a member (a dict from /cluster), or None when no endpoint is known to be it."""
        for base, name in self._names.items():
            if name == member.get('name'):
                return base
        wanted = _netloc(member.get('api_url') or '')
        for base in self.endpoints:
            if wanted and _netloc(base) == wanted:
                return base
        host = (member.get('host') or '').lower()
        for base in self.endpoints:
            if host and (_netloc(base) or ('', 0))[0] == host:
                return base
        for base in self.endpoints:
            if base in self._names:
                continue
            try:
                if self.member_status(base).get('patroni', {}).get('name') == member.get('name'):
                    return base
            except (PatroniApiError, AttributeError):
                continue
        return None

    def order_for(self, member, first=None):
        """Endpoints with the member's own first (it acts without waiting for its next loop), then first."""
        order = []
        for base in [self.endpoint_of(member) if member else None, first] + self.endpoints:
            if base and base not in order:
                order.append(base)
        return order


# --- one view of the cluster ------------------------------------------------------------------------------

def nofailover(tags):
    """As Patroni decides it: the nofailover tag, else failover_priority <= 0."""
    if tags.get('nofailover') is not None:
        return bool(tags['nofailover'])
    try:
        return int(tags['failover_priority']) <= 0
    except (KeyError, TypeError, ValueError):
        return False


def failover_priority(tags):
    if tags.get('nofailover'):
        return 0
    try:
        return int(tags.get('failover_priority', 1))
    except (TypeError, ValueError):
        return 1


def normalise_member(raw):
    tags = raw.get('tags') or {}
    lag = raw.get('lag')
    return dict(
        name=raw.get('name'), host=raw.get('host'), port=raw.get('port'), api_url=raw.get('api_url'),
        role=raw.get('role'), state=raw.get('state'), timeline=raw.get('timeline'),
        # 'unknown' when Patroni has no WAL position for the member.
        lag_bytes=lag if isinstance(lag, int) and not isinstance(lag, bool) else None,
        tags=tags, pending_restart=bool(raw.get('pending_restart')), nofailover=nofailover(tags),
        nosync=bool(tags.get('nosync')), failover_priority=failover_priority(tags),
        scheduled_restart=raw.get('scheduled_restart'),
    )


def synchronous_mode(config, members=()):
    """'off', 'on' or 'quorum' from /config; guessed from the roles when /config is unknown (None if unsure)."""
    if isinstance(config, dict):
        value = config.get('synchronous_mode')
        if isinstance(value, str) and value.lower() == 'quorum':
            return 'quorum'
        if value is True or (isinstance(value, str) and value.lower() in ('on', 'true', 'yes', '1')):
            return 'on'
        return 'off'
    roles = set(m['role'] for m in members)
    if 'quorum_standby' in roles:
        return 'quorum'
    if 'sync_standby' in roles:
        return 'on'
    return None


def cluster_view(raw, config=None):
    """One dict for the modules from GET /cluster (and GET /config when known)."""
    members = [normalise_member(m) for m in raw.get('members') or []]
    leader = next((m for m in members if m['role'] in LEADER_ROLES), None)
    paused = bool(raw.get('pause')) or bool(isinstance(config, dict) and config.get('pause'))
    return dict(
        scope=raw.get('scope'),
        members=members,
        leader=leader['name'] if leader else None,
        leader_state=leader['state'] if leader else None,
        timeline=leader['timeline'] if leader else None,
        sync_standbys=[m['name'] for m in members if m['role'] in SYNC_ROLES],
        synchronous_mode=synchronous_mode(config, members),
        paused=paused,
        pending_restart=[m['name'] for m in members if m['pending_restart']],
        scheduled_switchover=raw.get('scheduled_switchover'),
        maximum_lag_on_failover=(config or {}).get('maximum_lag_on_failover', DEFAULT_MAXIMUM_LAG_ON_FAILOVER)
        if isinstance(config, dict) else DEFAULT_MAXIMUM_LAG_ON_FAILOVER,
    )


def member(view, name):
    return next((m for m in view['members'] if m['name'] == name), None)


def leader_of(view):
    return member(view, view['leader']) if view['leader'] else None


def read_cluster(client, with_config=True, order=None):
    """(view, config) from the first member that answers; /config from the same one when it can."""
    base, raw = client.first_answer('/cluster', order)
    if not isinstance(raw, dict):
        raise PatroniApiError('GET %s/cluster answered %r, not a cluster; is this a Patroni REST API?' % (base, raw),
                              url=base + '/cluster')
    config = None
    if with_config:
        try:
            config = client.get(base, '/config')
        except PatroniApiError:
            config = None  # 502 before the cluster is bootstrapped; the view says what it can
    view = cluster_view(raw, config if isinstance(config, dict) else None)
    view['endpoint'] = base
    return view, config if isinstance(config, dict) else None


def member_statuses(client):
    """GET /patroni of every endpoint: {endpoint: status dict or {'error': text}}."""
    found = {}
    for base in client.endpoints:
        try:
            found[base] = client.member_status(base)
        except PatroniApiError as exc:
            found[base] = {'error': str(exc)}
    return found


# --- choosing and checking a candidate -------------------------------------------------------------------

def _lag_text(lag):
    return 'an unknown number of bytes' if lag is None else '%d bytes' % lag


def switchover_problems(view, candidate, max_lag_bytes):
    """Why candidate cannot take over in a switchover now, each with its fix; empty when it can."""
    leader = leader_of(view)
    name = candidate['name']
    problems = []
    if candidate['role'] not in REPLICA_ROLES:
        problems.append('%s is the %s, not a replica.' % (name, candidate['role']))
        return problems
    if candidate['state'] not in SWITCHOVER_STATES:
        problems.append('%s is %s, not streaming from the leader: let it catch up (rejoin.yml when Patroni cannot '
                        'bring it back) or choose another target.' % (name, candidate['state'] or 'in no known state'))
    if candidate['nofailover']:
        problems.append('%s is tagged nofailover (or failover_priority 0), so Patroni never promotes it: remove the '
                        'tag from its patroni.yml or choose another target.' % name)
    if leader and candidate['timeline'] != leader['timeline']:
        problems.append('%s is on timeline %s, the leader on %s: it has not followed the last promotion. Rejoin it '
                        '(rejoin.yml) or choose another target.' % (name, candidate['timeline'], leader['timeline']))
    if candidate['lag_bytes'] is None or candidate['lag_bytes'] > max_lag_bytes:
        problems.append('%s is %s behind the leader, more than max_lag_bytes=%d: wait until it catches up, raise '
                        'max_lag_bytes or choose another target.' % (name, _lag_text(candidate['lag_bytes']), max_lag_bytes))
    if view['synchronous_mode'] == 'on' and name not in view['sync_standbys']:
        problems.append('synchronous_mode is on and %s is not a synchronous standby (those are: %s), so Patroni '
                        'refuses it: choose one of them.' % (name, ', '.join(view['sync_standbys']) or 'none'))
    return problems


def _preference(view):
    sync = set(view['sync_standbys'])
    return lambda m: (m['name'] not in sync, m['lag_bytes'] if m['lag_bytes'] is not None else float('inf'),
                      -m['failover_priority'], m['name'])


def best_candidate(view, max_lag_bytes=None):
    """The replica a switchover should go to: healthy, streaming, promotable, on the leader's timeline, within
    max_lag_bytes; synchronous or quorum standbys first, then the lowest lag. None when no replica qualifies."""
    limit = view['maximum_lag_on_failover'] if max_lag_bytes is None else max_lag_bytes
    fit = [m for m in view['members'] if m['role'] in REPLICA_ROLES and not switchover_problems(view, m, limit)]
    return min(fit, key=_preference(view))['name'] if fit else None


def switchover_refusals(view, target=None, max_lag_bytes=None, allow_paused=False, scheduled_at=None):
    """(candidate name, reasons): whom a switchover goes to and every reason a careful operator would stop."""
    limit = view['maximum_lag_on_failover'] if max_lag_bytes is None else max_lag_bytes
    leader = leader_of(view)
    if not leader:
        return None, ['The cluster has no leader (no member holds the leader lease), so there is nothing to switch '
                      'over from. Look at patroni_cluster_info; when automatic failover cannot act, run a forced '
                      'failover (mode=failover, failover.yml).']
    reasons = []
    if leader['state'] != 'running':
        reasons.append('The leader %s is %s, not running: wait until it runs again, or run a forced failover '
                       '(mode=failover) if it cannot.' % (leader['name'], leader['state']))
    if view['paused'] and scheduled_at:
        reasons.append('The cluster is paused and Patroni cannot schedule a switchover in pause: resume it '
                       '(patroni_pause state=resumed) or switch over now.')
    elif view['paused'] and not allow_paused:
        reasons.append('The cluster is paused (automatic failover is off): resume it first (patroni_pause '
                       'state=resumed), or pass allow_paused=true to switch over in maintenance mode.')
    pending = view.get('scheduled_switchover')
    if pending and not same_schedule(pending, view['leader'], target, scheduled_at):
        reasons.append('A switchover is already scheduled (at %s from %s to %s): cancel it first (patronictl flush %s '
                       'switchover, or DELETE /switchover) or let it run.'
                       % (pending.get('at'), pending.get('from'), pending.get('to') or 'any replica', view['scope']))
    if target:
        candidate = member(view, target)
        if candidate is None:
            reasons.append('The target %s is not a member of the cluster %s (members: %s): use the Patroni member name.'
                           % (target, view['scope'], ', '.join(m['name'] for m in view['members'])))
            return target, reasons
        return target, reasons + switchover_problems(view, candidate, limit)
    best = best_candidate(view, limit)
    if best is None:
        replicas = [m for m in view['members'] if m['role'] in REPLICA_ROLES]
        detail = ' '.join(' '.join(switchover_problems(view, m, limit)) for m in replicas) or 'The cluster has no replica.'
        reasons.append('No replica qualifies for a switchover. %s' % detail)
    return best, reasons


def _when(text):
    try:
        return datetime.datetime.fromisoformat(str(text).replace('Z', '+00:00'))
    except ValueError:
        return text


def same_schedule(pending, leader, target, scheduled_at):
    """Whether the scheduled switchover in /cluster is the one asked for (so asking again changes nothing)."""
    return bool(scheduled_at) and pending.get('from') == leader and pending.get('to') == (target or None) \
        and _when(pending.get('at')) == _when(scheduled_at)


def failover_problems(view, candidate, allow_data_loss=False):
    """Why a forced failover to candidate must not run, each with its fix; empty when it may.

    A failover skips Patroni's own checks when there is no leader, so these
    refuse a candidate that may miss acknowledged commits: with synchronous
    or quorum standbys it must be one of them (and, for quorum, as far ahead
    as any of them); without any it must hold the last WAL position the
    leader recorded in the DCS (lag 0). allow_data_loss lifts only that rule."""
    name = candidate['name']
    if candidate['role'] in LEADER_ROLES:
        return ['%s already holds the leader lease.' % name]
    problems = []
    if candidate['state'] not in FAILOVER_STATES:
        problems.append('%s is %s: PostgreSQL must run there to be promoted. Start it through Patroni or choose '
                        'another candidate.' % (name, candidate['state'] or 'in no known state'))
    if candidate['nofailover']:
        problems.append('%s is tagged nofailover (or failover_priority 0), so Patroni never promotes it: remove the '
                        'tag from its patroni.yml or choose another candidate.' % name)
    if allow_data_loss:
        return problems
    newest = max([m['timeline'] or 0 for m in view['members']] + [view['timeline'] or 0])
    if (candidate['timeline'] or 0) < newest:
        problems.append('%s is on timeline %s but timeline %d exists: promoting it would discard that history. '
                        'Choose a member on timeline %d, or pass allow_data_loss=true.'
                        % (name, candidate['timeline'], newest, newest))
    sync = [member(view, n) for n in view['sync_standbys']]
    if sync:
        if name not in view['sync_standbys']:
            problems.append('%s is not a %s standby (those are: %s), so acknowledged commits may exist only on '
                            'them: choose one of them, or pass allow_data_loss=true.'
                            % (name, 'quorum' if view['synchronous_mode'] == 'quorum' else 'synchronous',
                               ', '.join(view['sync_standbys'])))
        elif view['synchronous_mode'] == 'quorum':
            mine = candidate['lag_bytes']
            ahead = [m['name'] for m in sync if m['lag_bytes'] is not None and (mine is None or m['lag_bytes'] < mine)]
            if ahead:
                problems.append('%s is behind %s, which may hold commits it lacks: choose %s, or pass '
                                'allow_data_loss=true.' % (name, ', '.join(ahead), ahead[0]))
    elif candidate['lag_bytes'] != 0:
        problems.append('%s is %s behind the last WAL position the leader recorded and no synchronous standby holds '
                        'the rest: acknowledged commits would be lost. Bring the old leader back, or pass '
                        'allow_data_loss=true.' % (name, _lag_text(candidate['lag_bytes'])))
    return problems


def failover_refusals(view, target=None, allow_data_loss=False):
    """(candidate name, reasons) of a forced failover."""
    candidate, reasons = _failover_choice(view, target, allow_data_loss)
    if reasons and view['leader'] and view['leader_state'] == 'running':
        reasons.append('The leader %s still runs: a switchover (mode=switchover) hands over without losing commits.'
                       % view['leader'])
    return candidate, reasons


def _failover_choice(view, target, allow_data_loss):
    if target:
        candidate = member(view, target)
        if candidate is None:
            return target, ['The candidate %s is not a member of the cluster %s (members: %s): use the Patroni member '
                            'name.' % (target, view['scope'], ', '.join(m['name'] for m in view['members']))]
        return target, failover_problems(view, candidate, allow_data_loss)
    replicas = [m for m in view['members'] if m['role'] not in LEADER_ROLES]
    fit = [m for m in replicas if not failover_problems(view, m, allow_data_loss)]
    if fit:
        return min(fit, key=_preference(view))['name'], []
    detail = ' '.join(' '.join(failover_problems(view, m, allow_data_loss)) for m in replicas)
    return None, ['No member qualifies for a failover. %s' % (detail or 'The cluster has no replica.')]


# --- operations --------------------------------------------------------------------------------------------

def wait_until(predicate, timeout, interval=1.0):
    """Call predicate until it returns a truthy value or timeout seconds pass; return the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def _poll_cluster(client):
    try:
        return read_cluster(client, with_config=False)[0]
    except PatroniApiError:
        return None  # members stop answering for a moment while they change roles


def takeover(client, view, action, candidate, wait_timeout, scheduled_at=None):
    """POST /switchover or /failover, then wait until the candidate holds the lease and runs.

    Returns the view after; raises PatroniApiError when Patroni refuses or
    the candidate does not lead within wait_timeout seconds."""
    body = dict(candidate=candidate) if candidate else {}
    if action == 'switchover':
        body['leader'] = view['leader']
        if scheduled_at:
            body['scheduled_at'] = scheduled_at
    # The leader acts on a switchover in its own loop, the candidate on a failover.
    first = leader_of(view) if action == 'switchover' else member(view, candidate)
    # Patroni answers after polling for up to 2 * max(10, loop_wait) seconds itself.
    timeout = max(client.timeout, min(wait_timeout, 60))
    unknown = None
    try:
        client.write('POST', '/' + action, body, client.order_for(first, view.get('endpoint')), timeout=timeout)
    except PatroniApiError as exc:
        # 'status unknown' (503) or a timeout after sending: the DCS may still carry it out.
        if not exc.reached or (exc.status is not None and not (exc.status == 503 and 'unknown' in str(exc.body))):
            raise
        unknown = str(exc)
    if scheduled_at:
        return view

    def new_leader_runs():
        now = _poll_cluster(client)
        return now if now and now['leader'] not in (None, view['leader']) and now['leader_state'] == 'running' else None

    after = wait_until(new_leader_runs, wait_timeout)
    if after and candidate and after['leader'] != candidate:
        raise PatroniApiError('Patroni handed the lease to %s instead of %s (the candidate was not fit when it acted); '
                              'the cluster has a running leader. Look at the Patroni log of %s.'
                              % (after['leader'], candidate, candidate))
    if not after:
        now = _poll_cluster(client)
        raise PatroniApiError('The %s to %s did not finish within %d s: the leader is now %s (%s)%s. Look at the '
                              'Patroni log of both members; patroni_cluster_info shows the state.'
                              % (action, candidate, wait_timeout, now and now['leader'], now and now['leader_state'],
                                 '; the request said: %s' % unknown if unknown else ''))
    return after


def config_patch(current, desired):
    """(patch, before, after): the smallest PATCH /config that makes current hold desired.

    Nested dicts are compared key by key; keys desired leaves out are left
    alone; None removes a key. Values compare as Patroni compares them (their
    text), so 100 and '100' are the same setting."""
    patch, before, after = {}, {}, {}
    current = current if isinstance(current, dict) else {}
    for key, want in desired.items():
        present = key in current
        have = current.get(key)
        if want is None:
            if present and have is not None:
                patch[key], before[key] = None, have
        elif isinstance(want, dict) and isinstance(have, dict):
            sub_patch, sub_before, sub_after = config_patch(have, want)
            if sub_patch:
                patch[key], before[key], after[key] = sub_patch, sub_before, sub_after
        elif isinstance(want, dict):
            cleaned = _without_none(want)
            if cleaned or present:
                patch[key], after[key] = cleaned, cleaned
                if present:
                    before[key] = have
        elif not present or str(have) != str(want):
            patch[key], after[key] = want, want
            if present:
                before[key] = have
    return patch, before, after


def _without_none(value):
    if isinstance(value, dict):
        return dict((k, _without_none(v)) for k, v in value.items() if v is not None)
    return value


def apply_patch(current, patch):
    """current with patch applied as Patroni applies it (a new dict)."""
    result = dict(current or {})
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = apply_patch(result[key], value)
        else:
            result[key] = value
    return result


def lease_problem(config):
    """Why ttl, loop_wait and retry_timeout do not fit together (Patroni needs loop_wait + 2 * retry_timeout <= ttl)."""
    try:
        values = dict((k, int(config.get(k, LEASE_DEFAULTS[k]))) for k in LEASE_DEFAULTS)
    except (TypeError, ValueError) as exc:
        return 'ttl, loop_wait and retry_timeout must be whole seconds (%s)' % exc
    if values['loop_wait'] + 2 * values['retry_timeout'] > values['ttl']:
        return ('loop_wait (%(loop_wait)d) + 2 * retry_timeout (%(retry_timeout)d) is more than ttl (%(ttl)d): the '
                'leader could lose its lease while still retrying. Raise ttl or lower the other two.' % values)
    return None


def pause_problem(status, paused):
    """Whether one member's /patroni shows the wanted pause state (None when it does)."""
    if 'error' in status:
        return None  # an unreachable member cannot act on its own either way
    if bool(status.get('pause')) != paused:
        return (status.get('patroni') or {}).get('name') or '?'
    return None


def set_pause(client, view, paused, wait_timeout):
    """PATCH /config {"pause": true}, or null to resume, as patronictl does; then wait until /cluster and every
    member that answers show it. Returns the members that still did not after wait_timeout seconds."""
    client.write('PATCH', '/config', {'pause': True if paused else None},
                 client.order_for(leader_of(view), view.get('endpoint')))
    pending = [None]

    def applied():
        now = _poll_cluster(client)
        if not now or now['paused'] != paused:
            pending[0] = ['the cluster (/cluster)']
            return False
        pending[0] = [name for name in (pause_problem(s, paused) for s in member_statuses(client).values()) if name]
        return not pending[0]

    wait_until(applied, wait_timeout)
    return pending[0]


def apply_config(client, view, desired, check_mode=False):
    """(changed, patch, before, after, config): make the dynamic configuration hold desired, touching nothing else."""
    base = view['endpoint']
    current = client.get(base, '/config')
    if not isinstance(current, dict):
        raise PatroniApiError('GET %s/config answered %r, not a configuration; is the cluster bootstrapped?'
                              % (base, current), url=base + '/config')
    patch, before, after = config_patch(current, desired)
    if not patch:
        return False, patch, before, after, current
    merged = apply_patch(current, patch)
    problem = lease_problem(merged)
    if problem:
        raise PatroniApiError('Refusing to change the configuration: %s' % problem)
    if check_mode:
        return True, patch, before, after, merged
    url, (dummy, answer) = client.write('PATCH', '/config', patch, client.order_for(leader_of(view), base))  # pylint: disable=unused-variable
    if not isinstance(answer, dict) or config_patch(answer, desired)[0]:
        raise PatroniApiError('PATCH %s/config was accepted but the configuration it returned still differs in %s; '
                              'another change may have raced it: run again.'
                              % (url, ', '.join(sorted(config_patch(answer if isinstance(answer, dict) else {}, desired)[0]))),
                              url=url + '/config')
    return True, patch, before, after, answer


def view_from_statuses(statuses):
    """What the members say about themselves when none can read the DCS (GET /cluster fails everywhere)."""
    members = []
    for base, status in sorted(statuses.items()):
        if 'error' in status:
            continue
        xlog = status.get('xlog') or {}
        members.append(dict(
            name=(status.get('patroni') or {}).get('name') or base, host=None, port=None, api_url=base + '/patroni',
            role=status.get('role'), state=status.get('replication_state') or status.get('state'),
            timeline=status.get('timeline'), lag_bytes=None, tags=status.get('tags') or {},
            pending_restart=bool(status.get('pending_restart')), nofailover=nofailover(status.get('tags') or {}),
            nosync=bool((status.get('tags') or {}).get('nosync')),
            failover_priority=failover_priority(status.get('tags') or {}), scheduled_restart=None,
            wal_position=xlog.get('location', xlog.get('received_location'))))
    return dict(scope=next(((s.get('patroni') or {}).get('scope') for s in statuses.values() if 'error' not in s), None),
                members=members, leader=None, leader_state=None, timeline=None, sync_standbys=[],
                synchronous_mode=None, paused=any(s.get('pause') for s in statuses.values()),
                pending_restart=[m['name'] for m in members if m['pending_restart']], scheduled_switchover=None,
                maximum_lag_on_failover=DEFAULT_MAXIMUM_LAG_ON_FAILOVER, endpoint=None)


def cluster_report(client):
    """Everything patroni_cluster_info returns: the /cluster view, /config, and each member's own /patroni."""
    statuses = member_statuses(client)
    # Members that just answered first: a dead one costs a timeout per request.
    order = sorted(client.endpoints, key=lambda base: 'error' in statuses[base])
    try:
        view, config = read_cluster(client, order=order)
        dcs_reachable = True
    except PatroniApiError:
        if all('error' in s for s in statuses.values()):
            raise
        view, config, dcs_reachable = view_from_statuses(statuses), None, False
    answered = dict((s['patroni']['name'], s) for s in statuses.values() if (s.get('patroni') or {}).get('name'))
    for entry in view['members']:
        status = answered.get(entry['name'], {})
        entry['patroni_version'] = (status.get('patroni') or {}).get('version')
        entry['failsafe_mode_is_active'] = bool(status.get('failsafe_mode_is_active'))
        entry['dcs_last_seen'] = status.get('dcs_last_seen')
    report = dict(view)
    report.update(
        dcs_reachable=dcs_reachable,
        config=config,
        failsafe_mode=bool(config.get('failsafe_mode')) if config else None,
        failsafe_mode_is_active=any(s.get('failsafe_mode_is_active') for s in statuses.values()),
        patroni_versions=sorted(set(s['patroni']['version'] for s in statuses.values()
                                    if (s.get('patroni') or {}).get('version'))),
        unreachable_endpoints=sorted(base for base, s in statuses.items() if 'error' in s),
        best_candidate=best_candidate(view) if view['leader'] else None,
    )
    return report


# --- one member: restart, reinitialize, reload -----------------------------------------------------------

MEMBER_ACTIONS = dict(restarted='restart', reinitialized='reinitialize', reloaded='reload')


def member_summary(entry):
    """What patroni_member reports of a member before and after (None when it is not in the cluster)."""
    if not entry:
        return None
    return dict((k, entry.get(k)) for k in ('role', 'state', 'timeline', 'lag_bytes', 'pending_restart'))


def member_plan(view, name, action, only_pending_restart=True, allow_leader=False, force=False):
    """(changed, reasons): whether the action has work to do on member name, and every reason to refuse it.

    A restart does nothing when only_pending_restart and the member has no
    pending restart; it is refused on the leader (writes stop) unless
    allow_leader. A reinitialize wipes the data directory and clones it again
    from the leader: refused on the leader always, without a leader (Patroni
    refuses it too), and on a replica that streams unless force."""
    entry = member(view, name)
    if entry is None:
        return False, ['%s is not a member of the cluster %s (members: %s): use the Patroni member name.'
                       % (name, view['scope'], ', '.join(m['name'] for m in view['members']) or 'none')]
    is_leader = entry['role'] in LEADER_ROLES
    if action == 'restart':
        if only_pending_restart and not entry['pending_restart']:
            return False, []
        if is_leader and not allow_leader:
            return True, ['%s holds the leader lease: restarting it stops writes to the cluster. Switch over first '
                          '(patroni_switchover), or pass allow_leader=true.' % name]
        return True, []
    if action == 'reinitialize':
        if is_leader:
            return True, ['%s holds the leader lease: reinitializing it would wipe the only primary. Switch over '
                          'first (patroni_switchover), then reinitialize it as a replica.' % name]
        if not view['leader']:
            return True, ['The cluster has no leader to clone %s from: restore a leader first (failover.yml).' % name]
        if entry['state'] == 'streaming' and not force:
            return True, ['%s is running and streaming from the leader: a reinitialize would wipe its data directory '
                          'for nothing. Pass force=true if it must be cloned again anyway.' % name]
        return True, []
    return True, []


def member_base(client, entry):
    """The REST API URL of the member: one of the endpoints when one is it, else its api_url from the DCS."""
    base = client.endpoint_of(entry)
    if base:
        return base
    url = entry.get('api_url') or ''
    if not url:
        raise PatroniApiError('%s has no api_url in the DCS and no endpoint is it: add its REST API URL to endpoints.'
                              % entry['name'])
    return normalise_endpoint(url[:-len('/patroni')] if url.endswith('/patroni') else url)


def member_not_back(status, entry, leader_timeline, action, started_before):
    """Why a member is not back after an action (None when it is): its own /patroni and its /cluster entry."""
    if not isinstance(status, dict):
        return 'it does not answer'
    if status.get('state') != 'running':
        return 'PostgreSQL is %s' % (status.get('state') or 'in no known state')
    if action != 'reload' and started_before and status.get('postmaster_start_time') == started_before:
        return 'PostgreSQL has not been stopped for the %s yet' % action
    if action == 'restart' and status.get('pending_restart'):
        return 'a restart is still pending'
    if status.get('role') != 'primary':
        if status.get('replication_state') != 'streaming':
            return 'it is not streaming from the leader (%s)' % (status.get('replication_state') or 'no WAL receiver')
        if leader_timeline is not None and status.get('timeline') != leader_timeline:
            return 'it is on timeline %s, the leader on %s' % (status.get('timeline'), leader_timeline)
    # /cluster shows what the member last wrote to the DCS, up to loop_wait seconds later.
    if entry is None:
        return 'it is missing from /cluster'
    if entry['state'] not in ('running', 'streaming'):
        return '/cluster still shows it %s' % (entry['state'] or 'in no known state')
    if entry['role'] not in LEADER_ROLES and leader_timeline is not None and entry['timeline'] != leader_timeline:
        return '/cluster still shows it on timeline %s' % entry['timeline']
    if action == 'restart' and entry['pending_restart']:
        return '/cluster still shows a pending restart'
    return None


def _member_status(client, base):
    try:
        return client.get(base, '/patroni')
    except PatroniApiError:
        return None  # PostgreSQL restarts; Patroni may answer late


def member_action(client, view, name, action, wait_timeout, only_pending_restart=True, force=False):
    """POST /restart, /reinitialize or /reload to the member itself, then wait until it is back.

    Returns the view after; raises PatroniApiError when Patroni refuses or the
    member is not back within wait_timeout seconds."""
    entry = member(view, name)
    base = member_base(client, entry)
    before = _member_status(client, base) or {}
    started_before = before.get('postmaster_start_time') if before.get('state') == 'running' else None
    body = {}
    if action == 'restart' and only_pending_restart:
        body['restart_pending'] = True  # Patroni checks the key's presence, not its value
    elif action == 'reinitialize':
        body['force'] = bool(force)  # Patroni: cancel an action in progress (a start it keeps retrying)
    # Patroni answers a restart once PostgreSQL is up again, or after primary_start_timeout.
    timeout = max(client.timeout, wait_timeout) if action == 'restart' else client.timeout
    unknown = None
    try:
        client.request(base, 'POST', '/' + action, body, timeout=timeout)
    except PatroniApiError as exc:
        # A timeout after sending, or 'postgres is still starting': wait and see.
        if not exc.reached or (exc.status is not None and not (exc.status == 503 and 'still starting' in str(exc.body))):
            raise
        unknown = str(exc)
    last = [None, None]

    def back():
        status = _member_status(client, base)
        now = _poll_cluster(client)
        last[0] = member_not_back(status, member(now, name) if now else None,
                                  now['timeline'] if now else view['timeline'], action, started_before)
        last[1] = now
        return now if last[0] is None else None

    after = wait_until(back, wait_timeout)
    if not after:
        raise PatroniApiError('%s did not come back within %d s after the %s: %s.%s Look at its Patroni and PostgreSQL '
                              'logs; patroni_cluster_info shows the state.'
                              % (name, wait_timeout, action, last[0] or 'the cluster could not be read',
                                 ' The request said: %s.' % unknown if unknown else ''))
    return after
