"""make bench-twotier: seed 001's figures for the two-tier Go example
(examples/go_twotier) on the twotier scenario's hosts.

1. Scaling: with 1, 2, 3 and 5 frontends in service (the others in
   maintenance on both load balancers), more clients than they can serve ask
   for / through the VIP for --scale-seconds; reported: req/s, and the ratio
   to 1 frontend's figure times the count.
2. The requirement: --rate req/s (default 50) through the VIP for --seconds,
   steady, then with each tier's host killed --kill-at seconds in: the
   serving backend (be1), a frontend (fe5), the load balancer holding the
   VIP. Reported: achieved req/s, failures (non-2xx and network errors),
   p50/p99. Each killed host is started again before the next phase.

Every loop is bounded in count and time. Results: bench/results/twotier-<time>.json.
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "molecule", "shared"))
from http_load import Load  # noqa: E402  pylint: disable=wrong-import-position
from scenario_helpers import power_off, power_on, vip_holder, wait_for  # noqa: E402  pylint: disable=wrong-import-position

FRONTENDS = ["fe1", "fe2", "fe3", "fe4", "fe5"]
LBS = ["lb1", "lb2"]


def haproxy(prefix, lb, command):
    return subprocess.run(["docker", "exec", prefix + lb, "sh", "-c",
                           "echo '%s' | socat -t 2 - UNIX-CONNECT:/run/haproxy/admin.sock" % command],
                          capture_output=True, text=True, timeout=30, check=False).stdout


def all_up(prefix, lb, backend):
    rows = [line.split(",") for line in haproxy(prefix, lb, "show stat %s 4 -1" % backend).splitlines()
            if line.startswith(backend + ",")]
    return rows and all(row[17] == "UP" for row in rows if len(row) > 17)


def scaling(args, prefix):
    figures = []
    try:
        for count in (1, 2, 3, 5):
            for lb in LBS:
                for index, name in enumerate(FRONTENDS):
                    haproxy(prefix, lb, "set server app/%s state %s" % (name, "ready" if index < count else "maint"))
            time.sleep(3)
            with Load(args.vip, "/", rate=1000, threads=6 * count, timeout=20,
                      max_seconds=args.scale_seconds, max_requests=100000) as load:
                time.sleep(args.scale_seconds)
            summary = load.summary()
            figures.append(dict(frontends=count, rate=summary["rate"], non_2xx=summary["non_2xx"], p50_ms=summary["p50_ms"]))
            print("  %d frontend(s): %.1f req/s" % (count, summary["rate"]), flush=True)
    finally:
        for lb in LBS:
            for name in FRONTENDS:
                haproxy(prefix, lb, "set server app/%s state ready" % name)
    base = figures[0]["rate"]
    for figure in figures:
        figure["of_linear"] = round(figure["rate"] / (base * figure["frontends"]), 3) if base else None
    return figures


def phase(args, prefix, what, victim):
    """--seconds at --rate; victim (a host name, or None) killed --kill-at seconds in, then started again."""
    wait_for(lambda: all_up(prefix, vip_holder(args.vip, LBS) or "lb1", "app"), "every frontend up", timeout=180, every=1)
    hosts = None
    with Load(args.vip, "/", rate=args.rate, threads=40, timeout=20, max_seconds=args.seconds + 30) as load:
        if victim:
            time.sleep(args.kill_at)
            hosts = power_off(victim)
            time.sleep(args.seconds - args.kill_at)
        else:
            time.sleep(args.seconds)
    if victim:
        power_on(victim, hosts)
    summary = dict(load.summary(), what=what, killed=victim)
    summary["failed_share"] = round(summary["non_2xx"] / float(max(summary["requests"], 1)), 4)
    print("  %-34s %7.1f req/s, %d of %d failed (%.2f %%), p99 %s ms"
          % (what, summary["rate"], summary["non_2xx"], summary["requests"], 100 * summary["failed_share"],
             summary["p99_ms"]), flush=True)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vip", required=True)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--kill-at", type=float, default=15.0)
    parser.add_argument("--scale-seconds", type=float, default=20.0)
    parser.add_argument("--output", default="bench/results")
    args = parser.parse_args()
    prefix = os.environ["MOLECULE_SCENARIO_NAME"] + "-"
    print("scaling over 1, 2, 3, 5 frontends (one request at a time each, 70 ms of work) ...", flush=True)
    scale = scaling(args, prefix)
    print("%.0f req/s for %.0f s through the VIP, steady and with each tier's host killed at %.0f s ..."
          % (args.rate, args.seconds, args.kill_at), flush=True)
    phases = [phase(args, prefix, "steady", None),
              phase(args, prefix, "serving backend (be1) killed", "be1"),
              phase(args, prefix, "a frontend (fe5) killed", "fe5"),
              phase(args, prefix, "the VIP's load balancer killed", wait_for(lambda: vip_holder(args.vip, LBS), "a VIP holder"))]

    print("\n%-10s %8s %10s %8s" % ("frontends", "req/s", "of linear", "non-2xx"))
    for figure in scale:
        print("%-10d %8.1f %10.3f %8d" % (figure["frontends"], figure["rate"], figure["of_linear"] or 0, figure["non_2xx"]))
    print("\n%-34s %9s %8s %8s %9s %8s %8s" % ("phase", "requests", "req/s", "failed", "failed %", "p50 ms", "p99 ms"))
    for figures in phases:
        row = (figures["what"], figures["requests"], figures["rate"], figures["non_2xx"], 100 * figures["failed_share"],
               figures["p50_ms"], figures["p99_ms"])
        print("%-34s %9d %8.1f %8d %9.2f %8s %8s" % row)
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, "twotier-%s.json" % time.strftime("%Y%m%dT%H%M%S"))
    with open(path, "w") as handle:
        json.dump(dict(rate=args.rate, seconds=args.seconds, scaling=scale, phases=phases), handle, indent=2)
    print("\nsaved %s" % path)


if __name__ == "__main__":
    main()
