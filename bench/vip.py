"""make bench-vip: how long the web VIP is dark when the active lb dies.

A steady stream of HTTP requests (one new connection each, --rate per second,
--timeout each) goes through the VIP from this machine while the lb holding
the VIP is killed hard (`docker kill`: no goodbye, the peer waits out the
VRRP master-down timer), then stopped cleanly (`docker stop`: systemd stops
keepalived, which hands the VIP over at once). Each event is repeated
--rounds times; the lb is started again between rounds and rejoins as BACKUP.

Reported per event: the gap (the longest time between two requests that
succeeded, minus one request interval) and the failed requests. Every loop is
bounded in count and time. Results: bench/results/vip-<time>.json.
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import threading
import time


def docker(*args, timeout=120):
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)


def holders(vip, containers):
    found = []
    for name in containers:
        out = docker("exec", name, "ip", "-4", "-o", "addr", "show").stdout
        if " %s/" % vip in out:
            found.append(name)
    return found


def wait(predicate, what, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise SystemExit("bench-vip: timed out after %d s waiting for %s" % (timeout, what))


def request(vip, port, timeout):
    conn = http.client.HTTPConnection(vip, port, timeout=timeout)
    try:
        conn.request("GET", "/bench-vip", headers={"Connection": "close"})
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


class Stream:
    """Fires one request every 1/rate s, each in its own thread, until stopped or capped."""

    def __init__(self, vip, port, rate, timeout, max_requests):
        self.vip, self.port, self.timeout = vip, port, timeout
        self.interval = 1.0 / rate
        self.max_requests = max_requests
        self.results = []  # (sent_at, ok)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def one(self, sent_at):
        ok = request(self.vip, self.port, self.timeout)
        with self.lock:
            self.results.append((sent_at, ok))

    def run(self):
        start = time.monotonic()
        for n in range(self.max_requests):
            if self.stopping.is_set():
                break
            due = start + n * self.interval
            time.sleep(max(0.0, due - time.monotonic()))
            threading.Thread(target=self.one, args=(time.monotonic(),), daemon=True).start()

    def stop(self):
        self.stopping.set()
        self.thread.join()
        time.sleep(self.timeout + 0.2)  # let the last requests finish
        with self.lock:
            return sorted(self.results)


def measure(args, event, container, containers):
    stream = Stream(args.vip, args.port, args.rate, args.timeout, max_requests=int(args.rate * 60))
    stream.thread.start()
    time.sleep(args.settle)
    event_at = time.monotonic()
    result = docker(event, container)
    if result.returncode != 0:
        raise SystemExit("bench-vip: docker %s %s failed: %s" % (event, container, result.stderr))
    others = [c for c in containers if c != container]
    wait(lambda: holders(args.vip, others), "the VIP to move", 30)
    # keep the stream going until it has seen a steady run of answers after the event
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with stream.lock:
            recent = [ok for sent, ok in stream.results if sent > time.monotonic() - args.settle]
        if len(recent) >= args.rate * args.settle * 0.8 and all(recent):
            break
        time.sleep(0.25)
    results = stream.stop()
    after = [(sent, ok) for sent, ok in results if sent >= event_at - 1.0]
    successes = [sent for sent, ok in results if ok]
    gaps = [b - a for a, b in zip(successes, successes[1:]) if b >= event_at - 1.0]
    gap = max(max(gaps, default=0.0) - 1.0 / args.rate, 0.0)
    return dict(event=event, from_lb=container, gap_s=round(gap, 2), requests=len(results),
                failed=sum(1 for _sent, ok in results if not ok), failed_after_event=sum(1 for _s, ok in after if not ok))


def restore(container, vip, containers):
    docker("start", container)
    docker("exec", container, "systemctl", "is-system-running", "--wait", timeout=120)
    wait(lambda: docker("exec", container, "systemctl", "is-active", "keepalived", "haproxy").returncode == 0,
         "keepalived and haproxy on %s" % container, 60)
    # no preemption: the VIP stays where it went
    wait(lambda: len(holders(vip, containers)) == 1, "exactly one holder of the VIP", 30)
    time.sleep(2)  # let the restarted node's keepalived settle as BACKUP


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vip", required=True)
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--containers", required=True, help="the lb containers, comma-separated")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second")
    parser.add_argument("--timeout", type=float, default=0.5, help="seconds per request")
    parser.add_argument("--settle", type=float, default=3.0, help="steady traffic before and after each event (s)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", default="bench/results")
    args = parser.parse_args()
    containers = args.containers.split(",")

    # keepalived elects its MASTER a few seconds after the converge
    wait(lambda: request(args.vip, args.port, 2.0), "http://%s:%d/ to answer 200" % (args.vip, args.port), 60)
    runs = []
    for event in ("kill", "stop"):
        for round_no in range(1, args.rounds + 1):
            wait(lambda: len(holders(args.vip, containers)) == 1, "exactly one holder of the VIP", 30)
            active = holders(args.vip, containers)[0]
            run = measure(args, event, active, containers)
            run["round"] = round_no
            runs.append(run)
            print("  docker %-4s %-16s gap %5.2f s  failed %3d of %4d requests"
                  % (event, active, run["gap_s"], run["failed"], run["requests"]), flush=True)
            restore(active, args.vip, containers)

    summary = {}
    for event, target in (("kill", 4.0), ("stop", 1.0)):
        gaps = [r["gap_s"] for r in runs if r["event"] == event]
        failed = [r["failed"] for r in runs if r["event"] == event]
        summary[event] = dict(gap_median_s=round(statistics.median(gaps), 2), gap_max_s=max(gaps),
                              failed_total=sum(failed), target_s=target, met=max(gaps) <= target)
    print("\nbench-vip: %d req/s through %s, %.1f s timeout, %d rounds" % (args.rate, args.vip, args.timeout, args.rounds))
    print("%-26s %8s %8s %7s %7s" % ("event", "gap med", "gap max", "failed", "target"))
    for event, label in (("kill", "hard kill (docker kill)"), ("stop", "clean stop (docker stop)")):
        s = summary[event]
        verdict = "met" if s["met"] else "MISSED"
        print("%-26s %7.2fs %7.2fs %7d %6.1fs %s"
              % (label, s["gap_median_s"], s["gap_max_s"], s["failed_total"], s["target_s"], verdict))
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, time.strftime("vip-%Y%m%dT%H%M%S.json"))
    with open(path, "w") as handle:
        json.dump(dict(rate=args.rate, timeout=args.timeout, vip=args.vip, runs=runs, summary=summary), handle, indent=2)
    print("saved %s" % path)


if __name__ == "__main__":
    main()
