"""A writer that inserts numbered rows through a PostgreSQL endpoint, one at a
time, and records every commit the server acknowledged, with the address of
the server that took it. Used by the engine scenario (its tests and its
adoption) and make bench-failover.

Bounded: it stops after max_seconds or max_rows, whichever comes first.
Run as a script it writes in the background of a whole Molecule sequence
(the engine scenario's adoption) until a stop file appears, then saves what
it saw as JSON.
"""
import argparse
import json
import os
import threading
import time

import psycopg2

TABLE = "CREATE TABLE IF NOT EXISTS ledger (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())"
INSERT = "INSERT INTO ledger (id) VALUES (%s) RETURNING host(inet_server_addr())"


class Writer:
    def __init__(self, dsn, rate=20.0, max_seconds=900.0, max_rows=40000, first_id=1):
        self.dsn = dsn
        self.interval = 1.0 / rate
        self.max_seconds = max_seconds
        self.max_rows = max_rows
        self.next_id = first_id
        self.acked = []    # (id, server address, monotonic time of the acknowledgement)
        self.errors = []   # (id, monotonic time, message)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-writer", daemon=True)

    def connect(self):
        conn = psycopg2.connect(self.dsn, connect_timeout=2, keepalives=1, keepalives_idle=2,
                                keepalives_interval=1, keepalives_count=2)
        conn.autocommit = True
        return conn

    def start(self, ready_timeout=60.0):
        """Create the table once the endpoint answers (a VIP just converged may take a few seconds)."""
        deadline = time.monotonic() + ready_timeout
        while True:
            try:
                conn = self.connect()
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        with conn.cursor() as cur:
            cur.execute(TABLE)
            cur.execute("SELECT coalesce(max(id), 0) + 1 FROM ledger")
            self.next_id = max(self.next_id, cur.fetchone()[0])
        conn.close()
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=30)
        return self

    def _run(self):
        deadline = time.monotonic() + self.max_seconds
        conn = None
        written = 0
        while not self._stop.is_set() and time.monotonic() < deadline and written < self.max_rows:
            started = time.monotonic()
            row_id, self.next_id = self.next_id, self.next_id + 1
            written += 1
            try:
                if conn is None:
                    conn = self.connect()
                with conn.cursor() as cur:
                    cur.execute(INSERT, (row_id,))
                    server = cur.fetchone()[0]
                self.acked.append((row_id, server, time.monotonic()))
            except psycopg2.Error as exc:
                self.errors.append((row_id, time.monotonic(), str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__))
                if conn is not None:
                    conn.close()
                conn = None
            self._stop.wait(max(self.interval - (time.monotonic() - started), 0))
        if conn is not None:
            conn.close()

    # --- what the run showed -------------------------------------------------

    def acked_between(self, start, end):
        return [row for row in self.acked if start <= row[2] <= end]

    def gap(self, start, end):
        """Longest time without an acknowledged write in [start, end], less one interval."""
        times = [start] + [row[2] for row in self.acked_between(start, end)] + [end]
        return max(max(b - a for a, b in zip(times, times[1:])) - self.interval, 0.0)

    def first_ack_after(self, moment, server=None):
        for row in self.acked:
            if row[2] >= moment and (server is None or row[1] == server):
                return row
        return None

    def server_changes(self):
        """The acknowledged writes' servers, one entry per run of the same server."""
        runs = []
        for _row_id, server, _at in self.acked:
            if not runs or runs[-1] != server:
                runs.append(server)
        return runs


def missing_rows(dsn, acked):
    """Acknowledged ids that the primary behind dsn does not hold."""
    conn = psycopg2.connect(dsn, connect_timeout=3)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM ledger")
            present = {row[0] for row in cur.fetchall()}
    finally:
        conn.close()
    return sorted(row_id for row_id, _server, _at in acked if row_id not in present)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--dbname", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-file", required=True, help="never the password itself on a command line")
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--max-seconds", type=float, default=1200.0)
    parser.add_argument("--stop-file", required=True, help="the writer stops once this file exists")
    parser.add_argument("--out", required=True, help="JSON of acknowledged rows and errors, written at the end")
    args = parser.parse_args()
    with open(args.password_file) as handle:
        password = handle.read().split()[0]
    dsn = "host=%s port=%d dbname=%s user=%s password=%s" % (args.host, args.port, args.dbname, args.user, password)
    writer = Writer(dsn, rate=args.rate, max_seconds=args.max_seconds).start(ready_timeout=120)
    while writer._thread.is_alive() and not os.path.exists(args.stop_file):  # pylint: disable=protected-access
        time.sleep(0.5)
    writer.stop()
    # A temporary file of this process's own: a stray writer never mixes its results in.
    partial = "%s.%d.tmp" % (args.out, os.getpid())
    with open(partial, "w") as handle:
        json.dump({"interval": writer.interval, "acked": writer.acked, "errors": writer.errors}, handle)
    os.rename(partial, args.out)


if __name__ == "__main__":
    main()
