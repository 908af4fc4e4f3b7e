# hastack.platform health agent for PostgreSQL, asked by haproxy.
#
#   /primary  200 only if PostgreSQL is up, out of recovery and not fenced
#   /replica  200 if it is streaming and at most --max-lag-bytes behind
#             (?lag=<bytes> overrides the limit for one request)
#   /health   the node's state as JSON, as pg_node_info reports it
#
# One reader thread asks the database every --interval seconds; requests are
# answered from its last reading, so a stuck database can never hang one:
# a reading older than --max-age answers 503. A reader stuck past
# --read-timeout is abandoned; if several are, the agent exits and systemd
# starts a fresh one.
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, '/usr/local/lib/hastack')
import pg_node  # noqa: E402  (installed beside this file by the postgresql role)

MAX_STUCK_READERS = 3


def log(message):
    sys.stderr.write('%s\n' % message)
    sys.stderr.flush()


class Reading(object):
    """The last report and when it was taken."""

    def __init__(self):
        self.lock = threading.Lock()
        self.report = None
        self.taken_at = 0.0
        self.error = 'no reading yet'

    def store(self, report, error=None):
        with self.lock:
            self.report, self.error, self.taken_at = report, error, time.monotonic()

    def snapshot(self):
        with self.lock:
            return self.report, self.error, time.monotonic() - self.taken_at


def read_node(params):
    try:
        return pg_node.node_report(params), None
    except Exception as exc:  # the agent must keep answering whatever the database does
        return None, '%s: %s' % (type(exc).__name__, exc)


def reader_loop(args, reading):
    params = dict(version=args.version, cluster=args.cluster, port=args.port, socket_dir=args.socket_dir,
                  login_user='postgres', connect_timeout=max(int(args.read_timeout), 1),
                  statement_timeout_ms=int(args.read_timeout * 1000))
    stuck = 0
    last_checks = None
    while True:
        started = time.monotonic()
        result = {}
        worker = threading.Thread(target=lambda: result.update(value=read_node(params)), daemon=True)
        worker.start()
        worker.join(args.read_timeout + 1)
        if worker.is_alive():
            stuck += 1
            log('reading the database took longer than %.1f s (%d stuck readers)' % (args.read_timeout, stuck))
            if stuck >= MAX_STUCK_READERS:
                log('too many stuck readers: exiting so that systemd restarts the agent')
                os._exit(1)
        else:
            report, error = result['value']
            reading.store(report, error)
            checks = pg_node.endpoint_checks(report or {}, args.max_lag_bytes)
            if checks != last_checks:
                log('state: primary=%(primary)s replica=%(replica)s' % checks + (' (%s)' % error if error else ''))
                last_checks = checks
        time.sleep(max(args.interval - (time.monotonic() - started), 0.05))


def make_handler(args, reading):
    class Handler(BaseHTTPRequestHandler):
        server_version = 'hastack-pg-agent'
        timeout = 5  # a client that sends nothing is dropped

        def answer(self, status, body):
            payload = (json.dumps(body, sort_keys=True, default=str) + '\n').encode()
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(payload)))
            self.send_header('Cache-Control', 'no-store')
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(payload)

        def do_GET(self):
            url = urlsplit(self.path)
            report, error, age = reading.snapshot()
            stale = report is None or age > args.max_age
            if url.path == '/health':
                self.answer(503 if stale else 200, dict(report or {}, agent_error=error, reading_age=round(age, 3)))
                return
            if url.path not in ('/primary', '/replica'):
                self.answer(404, dict(error='unknown path; ask /primary, /replica or /health'))
                return
            max_lag = args.max_lag_bytes
            query = parse_qs(url.query)
            if 'lag' in query and query['lag'][0].isdigit():
                max_lag = int(query['lag'][0])
            checks = pg_node.endpoint_checks(report or {}, max_lag)
            # The fence file is checked now, not at the last reading: fencing must act at once.
            if os.path.exists(pg_node.NodePaths(args.version, args.cluster).fence_file):
                checks['primary'] = False
            ok = checks[url.path[1:]] and not stale
            self.answer(200 if ok else 503, dict(checks, stale=stale, reading_age=round(age, 3), error=error))

        do_HEAD = do_GET
        do_OPTIONS = do_GET

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            pass  # haproxy asks several times a second; state changes are logged instead

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--listen', default='127.0.0.1')
    parser.add_argument('--listen-port', type=int, default=8008)
    parser.add_argument('--version', default='15')
    parser.add_argument('--cluster', default='main')
    parser.add_argument('--port', type=int, default=5432)
    parser.add_argument('--socket-dir', default='/var/run/postgresql')
    parser.add_argument('--max-lag-bytes', type=int, default=pg_node.DEFAULT_MAX_LAG_BYTES)
    parser.add_argument('--interval', type=float, default=0.5)
    parser.add_argument('--read-timeout', type=float, default=2.0)
    parser.add_argument('--max-age', type=float, default=3.0)
    args = parser.parse_args()

    reading = Reading()
    threading.Thread(target=reader_loop, args=(args, reading), daemon=True).start()
    server = ThreadingHTTPServer((args.listen, args.listen_port), make_handler(args, reading))
    server.daemon_threads = True
    log('listening on %s:%d' % (args.listen, args.listen_port))
    server.serve_forever()


if __name__ == '__main__':
    main()
