"""A bounded writer through an app's public address: it POSTs a note at a fixed rate and records
which were acknowledged (201 with the note's id) and when each attempt failed. Used with Load
(the reader) by the grow scenario: no acknowledged note may be missing afterwards, and the
failed attempts measure the interruption.

Bounded: it stops after max_seconds or max_notes, whichever comes first.
"""
import http.client
import json
import threading
import time
from collections import Counter


class NoteWriter:
    def __init__(self, host, rate=5.0, port=80, timeout=5.0, max_seconds=900.0, max_notes=6000, prefix="note"):
        self.host, self.port, self.timeout = host, port, timeout
        self.interval = 1.0 / rate
        self.max_seconds, self.max_notes, self.prefix = max_seconds, max_notes, prefix
        self.acked = []    # (monotonic time, note id)
        self.failed = []   # (monotonic time, what went wrong)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = None

    def __enter__(self):
        self.started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=self.timeout + 5)

    def mark(self):
        """A point in the run, to read the attempts after it with since()."""
        return time.monotonic()

    def _post(self, number):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request("POST", "/notes", body=json.dumps({"body": "%s-%d" % (self.prefix, number)}),
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            body = response.read()
            if response.status == 201:
                return json.loads(body)["id"], None
            return None, "HTTP %d" % response.status
        except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
            return None, type(exc).__name__
        finally:
            conn.close()

    def _run(self):
        number = 0
        deadline = self.started + self.max_seconds
        while not self._stop.is_set() and number < self.max_notes and time.monotonic() < deadline:
            begin = time.monotonic()
            number += 1
            note, error = self._post(number)
            with self._lock:
                if note is not None:
                    self.acked.append((begin, note))
                else:
                    self.failed.append((begin, error))
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - begin)))

    def acked_ids(self):
        with self._lock:
            return [note for _begin, note in self.acked]

    def since(self, moment):
        """{acked, failed, failed_kinds, failed_seconds, longest_gap_s} of the attempts begun after moment; the gap is
        the longest time between two acknowledged notes (or from moment to the first one)."""
        with self._lock:
            acked = [begin for begin, _note in self.acked if begin >= moment]
            failed = Counter(error for begin, error in self.failed if begin >= moment)
        marks = [moment] + acked
        gap = max((later - earlier for earlier, later in zip(marks, marks[1:])), default=0.0)
        return dict(acked=len(acked), failed=sum(failed.values()), failed_kinds=dict(failed),
                    failed_seconds=round(sum(failed.values()) * self.interval, 1), longest_gap_s=round(gap, 1))
