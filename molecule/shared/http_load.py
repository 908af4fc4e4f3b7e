"""A bounded HTTP load generator: GET requests at a fixed total rate from a few
threads, each on a persistent (keep-alive) connection that is reopened after
an error. It records every response's status and latency. Used by the deploy
scenario and make bench-deploy.

Bounded: it stops after max_seconds or max_requests, whichever comes first.
"""
import http.client
import statistics
import threading
import time
from collections import Counter


class Load:
    def __init__(self, host, path="/", rate=20.0, threads=4, port=80, timeout=5.0,
                 max_seconds=300.0, max_requests=100000):
        self.host, self.port, self.path, self.timeout = host, port, path, timeout
        self.interval = threads / float(rate)   # per thread
        self.max_seconds = max_seconds
        self.max_requests = max_requests
        self.results = []  # (monotonic start, status or 0 on a network error, seconds)
        self.errors = Counter()  # network errors by kind: a timeout is not a reset
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]
        self.started = self.stopped = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)
        self.stopped = time.monotonic()

    def _request(self, conn):
        begin = time.monotonic()
        try:
            conn.request("GET", self.path)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            status = 0
            with self._lock:
                self.errors[type(error).__name__] += 1
        return begin, status, time.monotonic() - begin

    def _run(self, index):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        deadline = self.started + self.max_seconds
        # Threads start spread over one interval, then keep their own schedule.
        next_at = self.started + self.interval * index / len(self._threads)
        while not self._stop.is_set() and time.monotonic() < deadline:
            with self._lock:
                if len(self.results) >= self.max_requests:
                    break
            pause = next_at - time.monotonic()
            if pause > 0:
                self._stop.wait(pause)
                continue
            result = self._request(conn)
            with self._lock:
                self.results.append(result)
            next_at = max(next_at + self.interval, time.monotonic() - self.interval)
        conn.close()

    def since(self, moment):
        """{requests, failed, failed_codes} of the requests begun after moment (failed: not 2xx, or no
        answer, counted as code 0)."""
        with self._lock:
            statuses = [status for begin, status, _seconds in self.results if begin >= moment]
        failed = Counter(status for status in statuses if not 200 <= status < 300)
        return dict(requests=len(statuses), failed=sum(failed.values()),
                    failed_codes={str(code): count for code, count in sorted(failed.items())})

    def summary(self):
        with self._lock:
            results = list(self.results)
        codes = Counter(status for _begin, status, _seconds in results)
        latencies = sorted(seconds for _begin, status, seconds in results if status)
        elapsed = (self.stopped or time.monotonic()) - self.started
        return dict(
            requests=len(results),
            seconds=round(elapsed, 2),
            rate=round(len(results) / elapsed, 1) if elapsed else 0.0,
            codes={str(code): count for code, count in sorted(codes.items())},
            non_2xx=sum(count for code, count in codes.items() if not 200 <= code < 300),
            errors=dict(self.errors),
            p50_ms=round(1000 * statistics.median(latencies), 1) if latencies else None,
            p99_ms=round(1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1) if latencies else None,
        )
