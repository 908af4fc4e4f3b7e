#!/usr/bin/env python3
"""hastack demo app: plain WSGI on Debian's python3, gunicorn and psycopg2.

Web:  gunicorn --bind ADDRESS:PORT demo_app:application
CLI:  python3 demo_app.py migrate | notify | prune
Database settings come only from the libpq environment (PGHOST, PGPORT, ...).
"""
import html
import json
import os
import signal
import socket
import sys
import threading
import time
from urllib.parse import parse_qs

try:
    import psycopg2
    import psycopg2.errors
except ImportError:  # /version and /slow still work without the driver
    psycopg2 = None

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "VERSION"), encoding="utf-8") as f:
    VERSION = f.read().strip()
HOST = socket.gethostname()
MAX_BODY = 500
RECONNECT = DB_ERRORS = ()  # nothing to catch without the driver
if psycopg2 is not None:
    # A failover cuts connections (Operational/InterfaceError); a connection
    # left on a demoted server refuses writes: all worth one reconnect.
    RECONNECT = (psycopg2.OperationalError, psycopg2.InterfaceError,
                 psycopg2.errors.ReadOnlySqlTransaction)
    DB_ERRORS = (psycopg2.Error,)


class Unavailable(Exception):
    """The database cannot be reached, even after one reconnect."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def connect(autocommit=True):
    if psycopg2 is None:
        raise Unavailable("psycopg2 is not installed")
    conn = psycopg2.connect("")  # empty DSN: libpq reads the PG* variables
    conn.autocommit = autocommit
    return conn


# One connection per worker process, opened on first use (after gunicorn
# forks); the lock keeps it safe should gunicorn run threads.
_conn = None
_lock = threading.Lock()


def query(sql, args=()):
    """Run one statement; return its rows (or rowcount). Reconnects once."""
    global _conn
    with _lock:
        for attempt in (1, 2):
            try:
                if _conn is None or _conn.closed:
                    _conn = connect()
                with _conn.cursor() as cur:
                    cur.execute(sql, args)
                    return cur.fetchall() if cur.description else cur.rowcount
            except (Unavailable, *RECONNECT) as exc:
                if _conn is not None:
                    _conn.close()
                _conn = None
                if attempt == 2 or isinstance(exc, Unavailable):
                    raise Unavailable(" ".join(str(exc).split())) from exc


def latest_notes(limit):
    rows = query("SELECT id, body, created_at, version FROM notes"
                 " ORDER BY id DESC LIMIT %s", (limit,))
    return [{"id": r[0], "body": r[1], "created_at": r[2].isoformat(),
             "version": r[3]} for r in rows]


# Each handler returns (status, content type, body, extra headers).
def text(status, body, headers=()):
    return status, "text/plain; charset=utf-8", body, list(headers)


def as_json(status, data, headers=()):
    return status, "application/json", json.dumps(data) + "\n", list(headers)


NO_STORE = [("Cache-Control", "no-store")]
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>hastack demo {v}</title></head>
<body><h1>hastack demo {v}</h1><p>served by {h}</p>
<form method="post" action="/notes"><input name="body" maxlength="500"
 required placeholder="a note"> <button>add note</button></form>
<table><tr><th>id</th><th>note</th><th>created</th><th>version</th></tr>
{rows}</table></body></html>
"""


def index(environ):
    rows = "".join(
        "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>\n" % (
            n["id"], html.escape(n["body"]), html.escape(n["created_at"]),
            html.escape(n["version"])) for n in latest_notes(5))
    page = PAGE.format(v=html.escape(VERSION), h=html.escape(HOST), rows=rows)
    return "200 OK", "text/html; charset=utf-8", page, NO_STORE


def version(environ):
    return as_json("200 OK", {"version": VERSION, "host": HOST})


def health(environ):
    if os.path.exists(os.path.join(HERE, "BROKEN")):  # the test's bad build
        return text("500 Internal Server Error", "broken build\n", NO_STORE)
    query("SELECT 1")
    return text("200 OK", "ok %s\n" % VERSION, NO_STORE)


def slow(environ):
    time.sleep(0.1)  # a slow frontend, for the scaling benchmark
    return text("200 OK", "slow %s\n" % HOST)


def list_notes(environ):
    qs = parse_qs(environ.get("QUERY_STRING", ""))
    try:
        limit = int(qs.get("limit", ["20"])[0])
    except ValueError:
        limit = -1
    if limit < 0:
        return text("400 Bad Request", "limit must be a number >= 0\n")
    return as_json("200 OK", latest_notes(min(limit, 1000)))


def add_note(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    # Read no more than a note can take (<= 12 bytes a char, percent-encoded).
    raw = environ["wsgi.input"].read(min(length, 16 * MAX_BODY))
    is_json = environ.get("CONTENT_TYPE", "").startswith("application/json")
    try:
        if is_json:
            body = json.loads(raw.decode("utf-8")).get("body")
        else:
            body = parse_qs(raw.decode("utf-8")).get("body", [""])[0]
    except (ValueError, AttributeError):  # bad UTF-8/JSON, or not an object
        return text("400 Bad Request", "expected a form or a JSON object\n")
    if not isinstance(body, str) or not body.strip():
        return text("400 Bad Request", "body must not be empty\n")
    if len(body) > MAX_BODY:
        return text("400 Bad Request", "body: at most %d chars\n" % MAX_BODY)
    # Autocommit: a retry after a cut connection may, rarely, store it twice.
    note_id = query("INSERT INTO notes (body, version) VALUES (%s, %s)"
                    " RETURNING id", (body, VERSION))[0][0]
    if is_json:
        return as_json("201 Created", {"id": note_id})
    return text("303 See Other", "see /\n", [("Location", "/")])


ROUTES = {("GET", "/"): index, ("GET", "/version"): version,
          ("GET", "/health"): health, ("GET", "/slow"): slow,
          ("GET", "/notes"): list_notes, ("POST", "/notes"): add_note}


def application(environ, start_response):
    method = environ.get("REQUEST_METHOD", "GET")
    handler = ROUTES.get(("GET" if method == "HEAD" else method,
                          environ.get("PATH_INFO") or "/"))
    if handler is None:
        status, ctype, body, headers = text("404 Not Found", "not found\n")
    else:
        try:
            status, ctype, body, headers = handler(environ)
        except Unavailable as exc:
            log("database unavailable: %s" % exc)
            status, ctype, body, headers = text(
                "503 Service Unavailable", "database unavailable\n", NO_STORE)
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", ctype),
                            ("Content-Length", str(len(data)))] + headers)
    return [] if method == "HEAD" else [data]


def migrate():
    conn = connect(autocommit=False)
    with conn, conn.cursor() as cur:  # one transaction: all of it or nothing
        cur.execute("CREATE TABLE IF NOT EXISTS notes (id bigserial"
                    " PRIMARY KEY, body text NOT NULL, version text NOT NULL,"
                    " created_at timestamptz NOT NULL DEFAULT now())")
        cur.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "version text NOT NULL, applied_at timestamptz NOT NULL"
                    " DEFAULT now(), host text NOT NULL)")
        # One row per run, so tests can count migrations per version.
        cur.execute("INSERT INTO schema_migrations (version, host)"
                    " VALUES (%s, %s)", (VERSION, HOST))
    conn.close()
    print("migrated %s" % VERSION, flush=True)


def notify():
    interval = float(os.environ.get("DEMO_NOTIFY_INTERVAL", "10"))
    # systemd stops the worker with SIGTERM: leave through the finally block.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        while True:
            try:
                count = query("SELECT count(*) FROM notes")[0][0]
                print("notifier %s: %d notes" % (VERSION, count), flush=True)
            except (Unavailable, *DB_ERRORS) as exc:  # retry next round
                print("notifier %s: database error: %s"
                      % (VERSION, str(exc).strip()), flush=True)
            time.sleep(interval)
    finally:
        print("notifier %s: stopping" % VERSION, flush=True)


def prune():
    days = int(os.environ.get("DEMO_PRUNE_DAYS", "30"))
    count = query("DELETE FROM notes WHERE created_at < now() - %s * interval"
                  " '1 day'", (days,))
    print("pruned %d notes" % count, flush=True)


def main(argv):
    commands = {"migrate": migrate, "notify": notify, "prune": prune}
    if len(argv) != 2 or argv[1] not in commands:
        log("usage: %s migrate|notify|prune" % argv[0])
        return 2
    try:
        commands[argv[1]]()
    except (Unavailable, *RECONNECT) as exc:
        log("%s: database unavailable: %s" % (argv[1], str(exc).strip()))
        return 1
    except DB_ERRORS as exc:  # e.g. no notes table yet: say what failed
        log("%s: database error: %s" % (argv[1], str(exc).strip()))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
