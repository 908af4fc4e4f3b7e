# hastack.platform restore drill, run as postgres on the pgBackRest repository host.
#
# Restores the latest backup of a repository, with every archived WAL after
# it, into a scratch directory; starts it on a private socket with archiving
# off (nothing reaches production or the repository); checks a canary row and
# runs pg_amcheck on every database; prints one JSON report and empties the
# scratch directory. Any failure exits non-zero with the reason: a drill that
# cannot restore must be loud.
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import time

CANARY_TABLE = 'hastack.backup_canary'


class DrillError(Exception):
    pass


def run(argv, timeout=3600, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        summary = ' | '.join(detail[-5:]) or 'no output'
        raise DrillError('%s failed (rc %d): %s' % (' '.join(argv[:4]), result.returncode, summary))
    return result.stdout


def latest_backup(args):
    info = json.loads(run(['pgbackrest', '--stanza=' + args.stanza, '--repo=%d' % args.repo, '--output=json', 'info']))
    stanza = info[0] if info else {}
    backups = [b for b in stanza.get('backup', []) if b.get('database', {}).get('repo-key', args.repo) == args.repo]
    if not backups:
        status = stanza.get('status', {}).get('message', 'no stanza')
        raise DrillError('repository %d holds no backup of stanza %s (%s)' % (args.repo, args.stanza, status))
    return backups[-1]


def clear(directory):
    """Empty the scratch directory (the role creates it, owned by postgres)."""
    if not os.path.isdir(directory):
        raise DrillError('%s does not exist: run site.yml, which creates it for postgres' % directory)
    for entry in os.listdir(directory):
        path = os.path.join(directory, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def write_config(args, data_dir, socket_dir):
    # Debian keeps postgresql.conf and pg_hba.conf outside the data directory,
    # so the backup has neither: the drill brings its own, local only.
    with open(os.path.join(data_dir, 'postgresql.conf'), 'w') as handle:
        handle.write('\n'.join([
            "listen_addresses = ''",
            "port = %d" % args.port,
            "unix_socket_directories = '%s'" % socket_dir,
            "max_connections = 20",
            "shared_buffers = '64MB'",
            "hot_standby = off",
            "archive_mode = off",
            "log_destination = 'stderr'",
            "logging_collector = off",
            '']))
    with open(os.path.join(data_dir, 'pg_hba.conf'), 'w') as handle:
        handle.write('local all all peer\n')
    with open(os.path.join(data_dir, 'pg_ident.conf'), 'w') as handle:
        handle.write('')


def psql(args, socket_dir, database, query):
    return run(['psql', '-XAtq', '-h', socket_dir, '-p', str(args.port), '-d', database, '-c', query], timeout=600).strip()


def wait_until_promoted(args, socket_dir, timeout):
    deadline = time.monotonic() + timeout
    last = ''
    while time.monotonic() < deadline:
        try:
            if psql(args, socket_dir, 'postgres', 'SELECT pg_is_in_recovery()') == 'f':
                return
        except DrillError as exc:
            last = str(exc)
        time.sleep(1)
    raise DrillError('the restored instance did not finish recovery in %d s (%s)' % (timeout, last))


def drill(args):
    report = {'stanza': args.stanza, 'repo': args.repo}
    backup = latest_backup(args)
    stopped = backup['timestamp']['stop']
    report.update(backup_label=backup['label'], backup_type=backup['type'],
                  backup_stop=datetime.datetime.fromtimestamp(stopped, datetime.timezone.utc).isoformat(),
                  backup_age_s=int(time.time() - stopped))
    if args.verify:
        started = time.monotonic()
        run(['pgbackrest', '--stanza=' + args.stanza, '--repo=%d' % args.repo, '--set=' + backup['label'], 'verify'])
        report['verify_s'] = round(time.monotonic() - started, 1)

    data_dir = os.path.join(args.dir, 'data')
    socket_dir = os.path.join(args.dir, 'socket')
    bin_dir = '/usr/lib/postgresql/%s/bin' % args.version
    clear(args.dir)
    os.makedirs(data_dir, mode=0o700)
    os.makedirs(socket_dir, mode=0o700)
    started = time.monotonic()
    # The latest backup plus every archived WAL after it; the restored
    # instance promotes itself at the end and archives nothing.
    run(['pgbackrest', '--stanza=' + args.stanza, '--repo=%d' % args.repo, '--set=' + backup['label'],
         '--reset-pg1-host', '--pg1-path=' + data_dir, '--archive-mode=off', '--type=default', 'restore'])
    report['restore_files_s'] = round(time.monotonic() - started, 1)
    write_config(args, data_dir, socket_dir)
    log_file = os.path.join(args.dir, 'postgresql.log')
    try:
        run([bin_dir + '/pg_ctl', '-D', data_dir, '-l', log_file, '-w', '-t', str(args.timeout), 'start'],
            timeout=args.timeout + 30)
        wait_until_promoted(args, socket_dir, args.timeout)
        report['restore_s'] = round(time.monotonic() - started, 1)
        report['databases'] = psql(args, socket_dir, 'postgres',
                                   'SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1').split()
        report['size_mb'] = int(psql(args, socket_dir, 'postgres',
                                     'SELECT (sum(pg_database_size(oid)) / 1048576)::bigint FROM pg_database'))
        check_canary(args, socket_dir, report)
        started = time.monotonic()
        run([bin_dir + '/pg_amcheck', '-h', socket_dir, '-p', str(args.port), '--all', '--install-missing',
             '--heapallindexed'], timeout=3600)
        report['amcheck'] = 'ok'
        report['amcheck_s'] = round(time.monotonic() - started, 1)
    except DrillError:
        if os.path.exists(log_file):
            with open(log_file) as handle:
                sys.stderr.write(''.join(handle.readlines()[-20:]))
        raise
    finally:
        subprocess.run([bin_dir + '/pg_ctl', '-D', data_dir, '-m', 'immediate', 'stop'],
                       capture_output=True, timeout=120, check=False)
        clear(args.dir)
    return report


def check_canary(args, socket_dir, report):
    exists = psql(args, socket_dir, 'postgres', "SELECT to_regclass('%s') IS NOT NULL" % CANARY_TABLE) == 't'
    if args.canary:
        if not exists:
            raise DrillError('the restored instance has no %s table: canary %s missing' % (CANARY_TABLE, args.canary))
        found = psql(args, socket_dir, 'postgres',
                     "SELECT count(*) FROM %s WHERE token = '%s'" % (CANARY_TABLE, args.canary.replace("'", "''")))
        if found != '1':
            raise DrillError('canary %s is not in the restored instance: WAL after the backup is missing' % args.canary)
        report['canary'] = 'found'
    if exists:
        newest = psql(args, socket_dir, 'postgres',
                      'SELECT coalesce(extract(epoch FROM max(written_at))::bigint, 0) FROM %s' % CANARY_TABLE)
        report['newest_canary_age_s'] = int(time.time() - int(newest)) if int(newest) else None


def save_result(args, report):
    """The outcome for the monitoring: passed or not, when, and when a drill of this repository last passed."""
    if not args.results:
        return
    path = os.path.join(args.results, 'drill-repo%d.json' % args.repo)
    try:
        with open(path) as handle:
            last_passed = json.load(handle).get('last_passed_at')
    except (OSError, ValueError):
        last_passed = None
    now = int(time.time())
    passed = 'failed' not in report
    result = dict(report, passed=passed, finished_at=now, last_passed_at=now if passed else last_passed)
    tmp = path + '.tmp'
    with open(tmp, 'w') as handle:
        json.dump(result, handle)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description='Restore the latest backup into a scratch instance and check it.')
    parser.add_argument('--stanza', default='main')
    parser.add_argument('--repo', type=int, default=1)
    parser.add_argument('--version', default='15', help='PostgreSQL major version of the binaries')
    parser.add_argument('--dir', default='/var/lib/pgbackrest-drill', help='scratch directory, removed after')
    parser.add_argument('--port', type=int, default=5499)
    parser.add_argument('--canary', default='', help='token of a canary row that must be restored')
    parser.add_argument('--no-verify', dest='verify', action='store_false', help='skip pgbackrest verify')
    parser.add_argument('--timeout', type=int, default=1800, help='seconds to wait for recovery')
    parser.add_argument('--results', default='', help='directory for the outcome, drill-repo<N>.json (monitoring)')
    args = parser.parse_args()
    try:
        report = drill(args)
    except (DrillError, OSError, ValueError, subprocess.TimeoutExpired) as exc:
        report = {'stanza': args.stanza, 'repo': args.repo, 'failed': str(exc)}
        save_result(args, report)
        print(json.dumps(report))
        sys.stderr.write('restore drill FAILED: %s\n' % exc)
        return 1
    save_result(args, report)
    print(json.dumps(report))
    return 0


if __name__ == '__main__':
    sys.exit(main())
