# hastack.platform start guard for PostgreSQL (ExecStartPre of postgresql@.service).
#
# A node that would start as a primary (no standby.signal) starts only if it
# is not fenced, sees no other primary, and sees a majority of the db group,
# so a crashed primary that reboots can never become a second writable one.
# A peer "is seen" when it answers, or refuses the connection (host up,
# PostgreSQL down); a timeout is not seen. Standbys always start.
# To override once, as root: touch /run/postgresql/hastack-force-start
import json
import os
import socket
import sys

PEERS_FILE = '/etc/hastack/pg-peers.json'
FORCE_FILE = '/run/postgresql/hastack-force-start'


def log(message):
    sys.stderr.write('hastack start guard: %s\n' % message)


def ask_peer(peer, user, passfile, tls):
    """Return 'primary', 'standby', 'down' (refused) or 'unseen'."""
    import psycopg2
    try:
        conn = psycopg2.connect(host=peer['host'], port=peer['port'], user=user, dbname='postgres',
                                passfile=passfile, connect_timeout=3, application_name='hastack-start-guard', **tls)
    except psycopg2.OperationalError as exc:
        text = str(exc)
        if 'Connection refused' in text or 'the database system is' in text:
            return 'down'
        log('peer %s not seen: %s' % (peer['host'], text.strip().splitlines()[0] if text.strip() else 'no answer'))
        return 'unseen'
    try:
        with conn.cursor() as cur:
            cur.execute('SELECT pg_is_in_recovery()')
            return 'standby' if cur.fetchone()[0] else 'primary'
    finally:
        conn.close()


def main(instance):
    version, cluster = instance.split('-', 1)
    data_dir = '/var/lib/postgresql/%s/%s' % (version, cluster)
    if os.path.exists(os.path.join(data_dir, 'standby.signal')):
        return 0
    if os.path.exists('/var/lib/postgresql/%s/%s.fenced' % (version, cluster)):
        log('this node is fenced (%s.fenced): it must come back as a standby, with rejoin.yml' % data_dir)
        return 1
    if os.path.exists(FORCE_FILE):
        log('%s exists: starting as primary without asking the peers' % FORCE_FILE)
        os.unlink(FORCE_FILE)
        return 0
    try:
        with open(PEERS_FILE) as handle:
            config = json.load(handle)
    except (OSError, ValueError) as exc:
        log('cannot read %s (%s): refusing to start as primary' % (PEERS_FILE, exc))
        return 1
    seen = 1  # this node
    # With TLS on, the peer list says how to verify the peers (sslmode, sslrootcert).
    tls = dict((key, config[key]) for key in ('sslmode', 'sslrootcert') if config.get(key))
    for peer in config['peers']:
        state = ask_peer(peer, config['user'], config['passfile'], tls)
        if state == 'primary':
            log('%s is already a running primary: this node must rejoin as its standby (rejoin.yml)' % peer['host'])
            return 1
        if state != 'unseen':
            seen += 1
    members = len(config['peers']) + 1
    if seen * 2 <= members:
        log('only %d of %d db hosts are visible: refusing to start as primary without a majority' % (seen, members))
        return 1
    return 0


if __name__ == '__main__':
    socket.setdefaulttimeout(5)
    sys.exit(main(sys.argv[1]))
