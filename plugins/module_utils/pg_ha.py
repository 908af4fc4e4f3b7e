# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role changes of one PostgreSQL node under the deprecated manual engine: fence,
follow, rewind, clone.

The layer under pg_fence and pg_standby. Each function does one
step on the local node and raises PgNodeError with a message that names the
fix; the modules decide the order and turn errors into fail_json once.
The sequences follow repmgr's and Patroni's (docs/failover.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from ansible_collections.hastack.platform.plugins.module_utils.pg_node import (
    PgNodeError,
    psycopg2_driver,
    read_controldata,
)

REPLICATION_CONF = '90-hastack-replication.conf'
CLEAN_STATES = ('shut down', 'shut down in recovery')

# The same text the postgresql role's template writes, so that neither sees a
# change the other made.
REPLICATION_CONF_TEXT = """#
# Ansible managed
#
# Upstream of this node when it runs as a standby (ignored on the primary).
# Kept here, outside the data directory, so pg_rewind and pg_basebackup
# never carry another node's settings over.
primary_conninfo = '{conninfo}'
primary_slot_name = '{slot}'
recovery_target_timeline = 'latest'
"""


def tls_options(sslmode=None, sslrootcert=None):
    """libpq TLS options of every connection to a peer, in the order the role's template writes them."""
    options = []
    if sslmode:
        options.append(('sslmode', sslmode))
    if sslrootcert:
        options.append(('sslrootcert', sslrootcert))
    return options


def conninfo(host, port, user, passfile, application_name, sslmode=None, sslrootcert=None):
    text = ('host=%s port=%s user=%s passfile=%s application_name=%s connect_timeout=3 '
            'keepalives=1 keepalives_idle=10 keepalives_interval=3 keepalives_count=3'
            % (host, port, user, passfile, application_name))
    return text + ''.join(' %s=%s' % option for option in tls_options(sslmode, sslrootcert))


def replication_conf_text(host, port, user, passfile, application_name, slot, sslmode=None, sslrootcert=None):
    return REPLICATION_CONF_TEXT.format(
        conninfo=conninfo(host, port, user, passfile, application_name, sslmode, sslrootcert), slot=slot)


# What the role writes on the primary: no upstream.
PRIMARY_REPLICATION_CONF_TEXT = REPLICATION_CONF_TEXT.format(conninfo='', slot='')


def wait_until(predicate, timeout, interval=0.5, clock=time.monotonic, sleep=time.sleep):
    """Call predicate until it returns a truthy value or timeout seconds pass; return the last value."""
    deadline = clock() + timeout
    while True:
        value = predicate()
        if value or clock() >= deadline:
            return value
        sleep(interval)


# --- peers -----------------------------------------------------------------

def remote_connect(host, port, user, passfile, timeout=3, sslmode=None, sslrootcert=None):
    psycopg2 = psycopg2_driver()
    try:
        conn = psycopg2.connect(host=host, port=port, user=user, dbname='postgres', passfile=passfile,
                                connect_timeout=timeout, application_name='hastack',
                                **dict(tls_options(sslmode, sslrootcert)))
    except psycopg2.OperationalError as exc:
        raise PgNodeError('%s:%s: %s' % (host, port, str(exc).strip().splitlines()[0] if str(exc).strip() else 'no answer'))
    conn.autocommit = True
    return conn


def remote_state(host, port, user, passfile, timeout=3, connect_fn=remote_connect, sslmode=None, sslrootcert=None):
    """What a peer says about itself: in_recovery, system_identifier, timeline, lsn; or error."""
    try:
        conn = connect_fn(host, port, user, passfile, timeout, sslmode=sslmode, sslrootcert=sslrootcert)
    except PgNodeError as exc:
        return dict(host=host, reachable=False, error=str(exc))
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_is_in_recovery(), (SELECT system_identifier::text FROM pg_control_system()),"
                " CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()::text ELSE pg_current_wal_lsn()::text END,"
                " CASE WHEN pg_is_in_recovery() THEN (SELECT timeline_id FROM pg_control_checkpoint())"
                "      ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END")
            in_recovery, sysid, lsn, timeline = cur.fetchone()
    finally:
        conn.close()
    return dict(host=host, reachable=True, in_recovery=in_recovery, system_identifier=sysid, lsn=lsn, timeline=timeline)


# --- service ---------------------------------------------------------------

def systemctl(action, paths, run=subprocess.run, timeout=120):
    proc = run(['systemctl', action, paths.service], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
               universal_newlines=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise PgNodeError('systemctl %s %s failed: %s' % (action, paths.service, (proc.stderr or proc.stdout).strip()))


def reload_config(paths, run=subprocess.run):
    proc = run(['pg_ctlcluster', paths.version, paths.cluster, 'reload'], stdout=subprocess.PIPE,
               stderr=subprocess.PIPE, universal_newlines=True, timeout=60, check=False)
    if proc.returncode != 0:
        raise PgNodeError('pg_ctlcluster reload failed: %s' % (proc.stderr or proc.stdout).strip())


# --- fence -----------------------------------------------------------------

def write_fence(paths, reason):
    """Mark the node fenced: the health agent stops calling it primary and the start guard refuses it."""
    if os.path.exists(paths.fence_file):
        return False
    with open(paths.fence_file, 'w') as handle:
        handle.write('%s %s\n' % (time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), reason))
    return True


def remove_fence(paths):
    if not os.path.exists(paths.fence_file):
        return False
    os.unlink(paths.fence_file)
    return True


def clean_shutdown(paths, run=subprocess.run):
    """pg_controldata of a stopped node: (clean, state, checkpoint LSN, timeline)."""
    control = read_controldata(paths, run=run)
    state = control.get('state')
    return dict(clean=state in CLEAN_STATES, state=state, checkpoint_lsn=control.get('checkpoint_lsn'),
                timeline=control.get('timeline'), system_identifier=control.get('system_identifier'))


# --- follow ----------------------------------------------------------------

def write_replication_conf(paths, text):
    """Write the upstream settings; True when they changed."""
    path = os.path.join(paths.config_dir, 'conf.d', REPLICATION_CONF)
    try:
        with open(path) as handle:
            if handle.read() == text:
                return False
    except OSError:
        pass
    tmp = path + '.hastack-tmp'
    with open(tmp, 'w') as handle:
        handle.write(text)
    chown_postgres(tmp)
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)
    return True


def chown_postgres(path):
    try:
        import pwd
        entry = pwd.getpwnam('postgres')
        os.chown(path, entry.pw_uid, entry.pw_gid)
    except (KeyError, ImportError, PermissionError):  # pragma: no cover - tests run as a plain user
        pass


def ensure_standby_signal(paths):
    path = os.path.join(paths.data_dir, 'standby.signal')
    if os.path.exists(path):
        return False
    open(path, 'w').close()
    chown_postgres(path)
    os.chmod(path, 0o600)
    return True


def streams_from(report, host):
    receiver = report.get('wal_receiver') or {}
    return bool(report.get('running') and report.get('in_recovery') and receiver.get('status') == 'streaming'
                and receiver.get('sender_host') == host)


def run_as_postgres(argv, run=subprocess.run, timeout=3600, env=None):
    proc = run(['runuser', '-u', 'postgres', '--'] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
               universal_newlines=True, timeout=timeout, check=False, env=dict(os.environ, LC_ALL='C', **(env or {})))
    return proc.returncode, proc.stdout + proc.stderr


def rewind(paths, source_conninfo, dry_run=False, run=subprocess.run):
    """pg_rewind the stopped node from the source; returns (rewound, output)."""
    argv = [os.path.join(paths.bin_dir, 'pg_rewind'), '--target-pgdata=%s' % paths.data_dir,
            '--source-server=%s' % source_conninfo,
            '--config-file=%s' % os.path.join(paths.config_dir, 'postgresql.conf')]
    if dry_run:
        argv.append('--dry-run')
    rc, output = run_as_postgres(argv, run=run)
    if rc != 0:
        raise PgNodeError('pg_rewind failed (%s). The data directory may be damaged: re-clone this node with '
                          'allow_clone (rejoin.yml -e allow_clone=yes).' % output.strip().splitlines()[-1:])
    return 'no rewind required' not in output, output


def clone(paths, host, port, user, passfile, slot, run=subprocess.run, sslmode=None, sslrootcert=None):
    """Replace the data directory with a fresh pg_basebackup of the source."""
    aside = '%s.hastack-replaced-%d' % (paths.data_dir, int(time.time()))
    if os.path.exists(paths.data_dir):
        os.rename(paths.data_dir, aside)
    env = dict(('PG' + name.upper(), value) for name, value in tls_options(sslmode, sslrootcert))
    env['PGPASSFILE'] = passfile
    rc, output = run_as_postgres([
        os.path.join(paths.bin_dir, 'pg_basebackup'), '--pgdata=%s' % paths.data_dir, '--host=%s' % host,
        '--port=%s' % port, '--username=%s' % user, '--no-password', '--wal-method=stream',
        '--checkpoint=fast'] + (['--slot=%s' % slot] if slot else []), run=run, env=env)
    if rc != 0:
        if os.path.exists(paths.data_dir):
            shutil.rmtree(paths.data_dir, ignore_errors=True)
        if os.path.exists(aside):
            os.rename(aside, paths.data_dir)
        raise PgNodeError('pg_basebackup from %s failed, the old data directory is back in place: %s'
                          % (host, output.strip()[-500:]))
    shutil.rmtree(aside, ignore_errors=True)
    return aside


def drop_local_slots(conn):
    """A standby keeps no slots of its own: left over from its days as primary, they would pin WAL."""
    dropped = []
    for row in conn.rows("SELECT slot_name FROM pg_replication_slots WHERE NOT active ORDER BY slot_name"):
        conn.execute('SELECT pg_drop_replication_slot(%s)', (row['slot_name'],))
        dropped.append(row['slot_name'])
    return dropped
