# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One PostgreSQL node seen from its own host: paths, connection, state.

The shared layer under every hastack PostgreSQL module. It connects over
the local socket as the postgres role (root is mapped to it in pg_ident),
and falls back to pg_controldata when the server is down, so a report is
always produced.
"""

from __future__ import annotations

import os
import subprocess


class PgNodeError(Exception):
    """A node could not be inspected or changed; the message says why."""


def psycopg2_driver():
    """psycopg2, imported when a connection is made rather than when this file
    is loaded: the role installs the driver after the first state query, and a
    long-lived interpreter (Mitogen's) keeps this module loaded across tasks."""
    try:
        import psycopg2
        import psycopg2.extras
    except ImportError as exc:  # pragma: no cover - depends on the host
        raise PgNodeError('psycopg2 is required on the database host (Debian: python3-psycopg2): %s' % exc)
    return psycopg2


NODE_ARGUMENT_SPEC = dict(
    version=dict(type='str'),
    cluster=dict(type='str', default='main'),
    port=dict(type='int', default=5432),
    socket_dir=dict(type='path', default='/var/run/postgresql'),
    login_user=dict(type='str', default='postgres'),
    connect_timeout=dict(type='int', default=3),
)

# Replicas further behind than this are taken out of the read-only pool.
DEFAULT_MAX_LAG_BYTES = 16 * 1024 * 1024


def lsn_to_int(lsn):
    """'16/B374D848' -> 97500059720; None stays None."""
    if lsn is None:
        return None
    high, low = str(lsn).split('/')
    return (int(high, 16) << 32) + int(low, 16)


def int_to_lsn(value):
    if value is None:
        return None
    return '%X/%X' % (value >> 32, value & 0xFFFFFFFF)


def installed_versions(lib_dir='/usr/lib/postgresql'):
    try:
        names = os.listdir(lib_dir)
    except OSError:
        return []
    return sorted((n for n in names if n.isdigit() and os.path.exists(os.path.join(lib_dir, n, 'bin', 'postgres'))), key=int)


class NodePaths(object):
    """Debian's layout for one cluster: config in /etc, data in /var/lib."""

    def __init__(self, version, cluster='main'):
        self.version = str(version)
        self.cluster = cluster
        self.bin_dir = '/usr/lib/postgresql/%s/bin' % self.version
        self.config_dir = '/etc/postgresql/%s/%s' % (self.version, cluster)
        self.data_dir = '/var/lib/postgresql/%s/%s' % (self.version, cluster)
        self.service = 'postgresql@%s-%s' % (self.version, cluster)
        # Outside the data directory, so pg_basebackup and pg_rewind never copy it.
        self.fence_file = '/var/lib/postgresql/%s/%s.fenced' % (self.version, cluster)

    @property
    def cluster_exists(self):
        return os.path.exists(os.path.join(self.config_dir, 'postgresql.conf'))

    @property
    def data_exists(self):
        return os.path.exists(os.path.join(self.data_dir, 'PG_VERSION'))

    @property
    def standby_signal(self):
        return os.path.exists(os.path.join(self.data_dir, 'standby.signal'))

    @property
    def postmaster_pid(self):
        return os.path.exists(os.path.join(self.data_dir, 'postmaster.pid'))

    @property
    def fenced(self):
        return os.path.exists(self.fence_file)


CONTROLDATA_FIELDS = {
    'Database system identifier': 'system_identifier',
    'Database cluster state': 'state',
    'Latest checkpoint location': 'checkpoint_lsn',
    "Latest checkpoint's TimeLineID": 'timeline',
    'Minimum recovery ending location': 'min_recovery_lsn',
    "Min recovery ending loc's timeline": 'min_recovery_timeline',
    'wal_log_hints setting': 'wal_log_hints',
    'Data page checksum version': 'data_checksum_version',
}


def parse_controldata(text):
    """Turn pg_controldata output into a dict of the fields we use."""
    result = {}
    for line in text.splitlines():
        key, sep, value = line.partition(':')
        if not sep or key.strip() not in CONTROLDATA_FIELDS:
            continue
        name = CONTROLDATA_FIELDS[key.strip()]
        value = value.strip()
        if name in ('timeline', 'min_recovery_timeline', 'data_checksum_version'):
            value = int(value)
        result[name] = value
    return result


def read_controldata(paths, run=subprocess.run):
    proc = run([os.path.join(paths.bin_dir, 'pg_controldata'), '-D', paths.data_dir],
               stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
               env=dict(os.environ, LC_ALL='C'), check=False)
    if proc.returncode != 0:
        raise PgNodeError('pg_controldata failed on %s: %s' % (paths.data_dir, proc.stderr.strip()))
    return parse_controldata(proc.stdout)


class Connection(object):
    """A short-lived autocommit connection to the local server."""

    def __init__(self, socket_dir, port, user, connect_timeout, dbname='postgres', statement_timeout_ms=10000):
        psycopg2 = psycopg2_driver()
        self._extras = psycopg2.extras
        try:
            self.conn = psycopg2.connect(host=socket_dir, port=port, user=user, dbname=dbname,
                                         connect_timeout=connect_timeout,
                                         application_name='hastack',
                                         options='-c statement_timeout=%d' % statement_timeout_ms)
        except psycopg2.OperationalError as exc:
            raise PgNodeError(str(exc).strip())
        self.conn.autocommit = True

    def rows(self, sql, params=None):
        with self.conn.cursor(cursor_factory=self._extras.RealDictCursor) as cur:
            cur.execute(sql, params)
            return [dict(row) for row in cur.fetchall()]

    def one(self, sql, params=None):
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def execute(self, sql, params=None):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)

    def close(self):
        self.conn.close()


def connect(params):
    return Connection(params['socket_dir'], params['port'], params['login_user'], params['connect_timeout'],
                      statement_timeout_ms=params.get('statement_timeout_ms', 10000))


def resolve_paths(params):
    version = params.get('version')
    if not version:
        versions = installed_versions()
        if not versions:
            return None
        version = versions[-1]
    return NodePaths(version, params.get('cluster') or 'main')


SQL_STATE = """
SELECT pg_is_in_recovery() AS in_recovery,
       current_setting('server_version') AS server_version,
       current_setting('data_directory') AS data_directory,
       (SELECT system_identifier::text FROM pg_control_system()) AS system_identifier,
       CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
       CASE WHEN pg_is_in_recovery() THEN NULL
            ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS primary_timeline,
       (SELECT timeline_id FROM pg_control_checkpoint()) AS checkpoint_timeline,
       pg_last_wal_receive_lsn()::text AS receive_lsn,
       pg_last_wal_replay_lsn()::text AS replay_lsn,
       CASE WHEN NOT pg_is_in_recovery() THEN NULL
            WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END AS lag_seconds
"""

SQL_WAL_RECEIVER = """
SELECT status, sender_host, sender_port, received_tli, latest_end_lsn::text AS latest_end_lsn, slot_name
FROM pg_stat_wal_receiver
"""

SQL_STANDBYS = """
SELECT application_name, client_addr::text AS client_addr, state, sync_state, sync_priority,
       sent_lsn::text AS sent_lsn, flush_lsn::text AS flush_lsn, replay_lsn::text AS replay_lsn,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS lag_bytes,
       extract(epoch FROM replay_lag)::float AS lag_seconds
FROM pg_stat_replication ORDER BY application_name
"""

SQL_SLOTS = """
SELECT slot_name, slot_type, active, restart_lsn::text AS restart_lsn, wal_status
FROM pg_replication_slots ORDER BY slot_name
"""

SQL_PENDING_RESTART = "SELECT name FROM pg_settings WHERE pending_restart ORDER BY name"


def _float(value):
    return None if value is None else round(float(value), 3)


def live_report(conn):
    """State of a running server, from SQL."""
    state = conn.one(SQL_STATE)
    in_recovery = state['in_recovery']
    report = dict(
        running=True,
        role='standby' if in_recovery else 'primary',
        in_recovery=in_recovery,
        version=state['server_version'].split()[0],
        data_directory=state['data_directory'],
        system_identifier=state['system_identifier'],
        current_lsn=state['current_lsn'],
        receive_lsn=state['receive_lsn'],
        replay_lsn=state['replay_lsn'],
        lag_bytes=None,
        lag_seconds=_float(state['lag_seconds']),
        wal_receiver=None,
        standbys=[],
        slots=conn.rows(SQL_SLOTS),
        pending_restart=[row['name'] for row in conn.rows(SQL_PENDING_RESTART)],
    )
    if in_recovery:
        receiver = conn.one(SQL_WAL_RECEIVER)
        report['wal_receiver'] = receiver
        report['timeline'] = (receiver or {}).get('received_tli') or state['checkpoint_timeline']
        upstream_end = lsn_to_int((receiver or {}).get('latest_end_lsn'))
        replayed = lsn_to_int(state['replay_lsn'])
        if upstream_end is not None and replayed is not None:
            report['lag_bytes'] = max(upstream_end - replayed, 0)
    else:
        report['timeline'] = state['primary_timeline']
        report['lag_bytes'] = 0
        report['lag_seconds'] = 0.0
        report['standbys'] = [dict(row, lag_seconds=_float(row['lag_seconds'])) for row in conn.rows(SQL_STANDBYS)]
    return report


def offline_report(paths, run=subprocess.run):
    """State of a stopped server, from pg_controldata and the files on disk."""
    control = read_controldata(paths, run=run)
    return dict(
        running=False,
        role='standby' if paths.standby_signal else 'primary',
        in_recovery=None,
        version=paths.version,
        data_directory=paths.data_dir,
        system_identifier=control.get('system_identifier'),
        timeline=control.get('timeline'),
        current_lsn=None,
        receive_lsn=None,
        replay_lsn=None,
        checkpoint_lsn=control.get('checkpoint_lsn'),
        controldata_state=control.get('state'),
        lag_bytes=None,
        lag_seconds=None,
        wal_receiver=None,
        standbys=[],
        slots=[],
        pending_restart=[],
    )


def node_report(params, connect_fn=connect, run=subprocess.run):
    """Everything pg_node_info returns for this host."""
    paths = resolve_paths(params)
    if paths is None:
        return dict(installed=False, cluster_exists=False, data_exists=False, running=False, role=None)
    base = dict(installed=True, cluster_exists=paths.cluster_exists, data_exists=paths.data_exists,
                config_directory=paths.config_dir, service=paths.service, fenced=paths.fenced,
                standby_signal=paths.standby_signal, version=paths.version, data_directory=paths.data_dir)
    if not base['data_exists']:
        base.update(running=False, role=None)
        return base
    try:
        conn = connect_fn(params)
    except PgNodeError as exc:
        report = offline_report(paths, run=run)
        report['connect_error'] = str(exc)
        # A pid file with no connection: starting up, shutting down or crashed.
        report['running'] = False
        report['pid_file_present'] = paths.postmaster_pid
    else:
        try:
            report = live_report(conn)
        finally:
            conn.close()
    base.update(report)
    return base


def endpoint_checks(report, max_lag_bytes=DEFAULT_MAX_LAG_BYTES):
    """What a load balancer asks of a node: may it take writes, may it serve reads?

    primary: running, out of recovery and not fenced.
    replica: running in recovery, streaming, and at most max_lag_bytes behind.
    """
    running = bool(report.get('running'))
    receiver = report.get('wal_receiver') or {}
    lag = report.get('lag_bytes')
    return dict(
        primary=running and report.get('in_recovery') is False and not report.get('fenced'),
        replica=(running and report.get('in_recovery') is True and receiver.get('status') == 'streaming'
                 and lag is not None and lag <= max_lag_bytes),
    )
