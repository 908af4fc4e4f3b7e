"""make bench-deploy: what users see through the VIP while releases change,
and how the app tier scales.

1. A bounded load generator (molecule/shared/http_load.py: --rate requests
   per second over --threads keep-alive connections) requests the demo app's
   page (a database read) through the VIP during a full rolling deploy of a
   new release over the three app hosts, then during a rollback.
   Reported: requests, non-2xx answers (network errors count as 0), p50 and
   p99 latency, and the playbook's duration.
2. Scaling: each app host runs one gunicorn worker and /slow takes 100 ms, so
   one host manages about 10 req/s (seed 001's frontend). With 1, 2 and 3
   hosts in service (the others in maintenance on haproxy), more clients than
   the hosts can serve ask for /slow for --scale-seconds; reported: req/s,
   and the ratio to 1 host's figure times the host count.
3. The cost of TLS inside the stack: the same page through the VIP at --rate
   for --tls-seconds with the app's database connections over verified TLS
   (a converge with hastack_tls=true), then again after a converge with
   hastack_tls=false, --tls-rounds times. Reported per phase: p50/p99 and
   how many of the app's connections used TLS (read from pg_stat_ssl).

Every loop is bounded in count and time. Results: bench/results/deploy-<time>.json.
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "molecule", "shared"))
from http_load import Load  # noqa: E402  pylint: disable=wrong-import-position

APPS = ["app1", "app2", "app3"]


def run(*argv, timeout=900):
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, check=False)


def playbook(inventory, *args):
    started = time.monotonic()
    result = run("ansible-playbook", "-i", inventory, *args)
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-3000:] + result.stderr[-2000:])
        raise SystemExit("bench: ansible-playbook %s failed (rc %d)" % (" ".join(args), result.returncode))
    return round(time.monotonic() - started, 1)


def haproxy(prefix, command):
    return run("docker", "exec", prefix + "lb1", "sh", "-c",
               "echo '%s' | socat -t 2 - UNIX-CONNECT:/run/haproxy/admin.sock" % command, timeout=30).stdout


def under_load(args, action, timeout=5.0):
    with Load(args.vip, "/", rate=args.rate, threads=args.threads, max_seconds=600, timeout=timeout) as load:
        time.sleep(3)  # steady before the change starts
        seconds = action()
        time.sleep(3)
    return dict(load.summary(), playbook_seconds=seconds)


def scaling(args, prefix, inventory, artifacts):
    # One worker per host: 100 ms per request, about 10 req/s per host.
    environment = {"PGHOST": "db", "PGPORT": 5432, "PGDATABASE": "demo", "PGUSER": "demo", "PGCONNECT_TIMEOUT": 3,
                   "WEB_CONCURRENCY": 1}
    playbook(inventory, os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "converge.yml"),
             "-e", json.dumps({"app_environment": environment}))
    return scale_over_hosts(args, prefix, "/slow", clients_per_host=8)


def scale_over_hosts(args, prefix, path, clients_per_host):
    """req/s of path through the VIP with 1, 2, 3 app hosts in service (the others in maintenance on
    haproxy), more clients than they can serve, --scale-seconds each; with the ratio to linear."""
    figures = []
    for count in (1, 2, 3):
        for index, name in enumerate(APPS):
            state = "ready" if index < count else "maint"
            haproxy(prefix, "set server app/%s state %s" % (name, state))
        time.sleep(3)
        with Load(args.vip, path, rate=1000, threads=clients_per_host * count, timeout=10,
                  max_seconds=args.scale_seconds, max_requests=100000) as load:
            time.sleep(args.scale_seconds)
        summary = load.summary()
        figures.append(dict(hosts=count, rate=summary["rate"], non_2xx=summary["non_2xx"], p50_ms=summary["p50_ms"]))
        print("  %d host(s): %.1f req/s, p50 %s ms" % (count, summary["rate"], summary["p50_ms"]), flush=True)
    for name in APPS:
        haproxy(prefix, "set server app/%s state ready" % name)
    base = figures[0]["rate"]
    for figure in figures:
        figure["of_linear"] = round(figure["rate"] / (base * figure["hosts"]), 3) if base else None
    return figures


def app_connections_over_tls(prefix):
    """'t'/'f' for each of the demo app's network sessions on db1, as pg_stat_ssl shows them."""
    query = ("SELECT string_agg(CASE WHEN s.ssl THEN 't' ELSE 'f' END, '') FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)"
             " WHERE a.usename = 'demo' AND a.client_addr IS NOT NULL")
    return run("docker", "exec", prefix + "db1", "runuser", "-u", "postgres", "--", "psql", "-Atc", query,
               timeout=30).stdout.strip()


def steady(args, prefix):
    with Load(args.vip, "/", rate=args.rate, threads=args.threads, max_seconds=args.tls_seconds + 30) as load:
        time.sleep(args.tls_seconds)
    tls = app_connections_over_tls(prefix)
    return dict(load.summary(), app_sessions=len(tls), app_sessions_tls=tls.count("t"))


def tls_cost(args, prefix, inventory):
    """--tls-rounds rounds of on then off; a machine whose load drifts weighs on both alike."""
    converge = os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "converge.yml")
    rounds = []
    for number in range(args.tls_rounds):
        measured = {}
        for name, tls in (("on", True), ("off", False)):
            playbook(inventory, converge, "-e", json.dumps({"hastack_tls": tls}))
            measured[name] = steady(args, prefix)
            print("  round %d, TLS %-3s p50 %s ms, p99 %s ms, %d of %d sessions on TLS"
                  % (number + 1, name, measured[name]["p50_ms"], measured[name]["p99_ms"],
                     measured[name]["app_sessions_tls"], measured[name]["app_sessions"]), flush=True)
        rounds.append(measured)
    return rounds


def rollout_and_scaling(args, prefix, inventory, artifacts):
    build = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "demo_app", "build.sh")
    artifact = run(build, "2.0.0", artifacts).stdout.strip().splitlines()[-1]

    print("rolling deploy 1.0.0 -> 2.0.0 under %.0f req/s ..." % args.rate, flush=True)
    deploy = under_load(args, lambda: playbook(inventory, "hastack.platform.deploy", "-e", "app_version=2.0.0",
                                               "-e", "app_artifact=" + artifact))
    print("rollback 2.0.0 -> 1.0.0 under %.0f req/s ..." % args.rate, flush=True)
    rollback = under_load(args, lambda: playbook(inventory, "hastack.platform.rollback"))
    print("scaling over 1, 2, 3 app hosts (one worker each, 100 ms per request) ...", flush=True)
    scale = scaling(args, prefix, inventory, artifacts)
    return deploy, rollback, scale


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vip", required=True)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--scale-seconds", type=float, default=20.0)
    parser.add_argument("--tls-seconds", type=float, default=30.0)
    parser.add_argument("--tls-rounds", type=int, default=2, help="rounds of TLS on, then off")
    parser.add_argument("--only-tls", action="store_true", help="measure only the cost of TLS (phase 3)")
    parser.add_argument("--output", default="bench/results")
    args = parser.parse_args()
    inventory = os.environ["MOLECULE_INVENTORY_FILE"]
    prefix = os.environ["MOLECULE_SCENARIO_NAME"] + "-"
    artifacts = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "artifacts")
    if args.only_tls:
        deploy = rollback = None
        scale = []
    else:
        deploy, rollback, scale = rollout_and_scaling(args, prefix, inventory, artifacts)
    print("TLS to the database on, then off, %d rounds of %.0f s each under %.0f req/s ..."
          % (args.tls_rounds, args.tls_seconds, args.rate), flush=True)
    tls = tls_cost(args, prefix, inventory)

    print("\n%-10s %9s %8s %8s %8s %8s %10s" % ("phase", "requests", "req/s", "non-2xx", "p50 ms", "p99 ms", "playbook s"))
    for name, figures in (("deploy", deploy), ("rollback", rollback)):
        if figures is None:
            continue
        row = (name, figures["requests"], figures["rate"], figures["non_2xx"], figures["p50_ms"], figures["p99_ms"],
               figures["playbook_seconds"])
        print("%-10s %9d %8.1f %8d %8s %8s %10.1f" % row)
    print("\n%-6s %8s %10s %8s" % ("hosts", "req/s", "of linear", "non-2xx"))
    for figure in scale:
        print("%-6d %8.1f %10.3f %8d" % (figure["hosts"], figure["rate"], figure["of_linear"] or 0, figure["non_2xx"]))
    header = ("round", "db TLS", "requests", "req/s", "non-2xx", "p50 ms", "p99 ms", "app sessions")
    print("\n%-6s %-7s %9s %8s %8s %8s %8s %14s" % header)
    for number, measured in enumerate(tls, 1):
        for name in ("on", "off"):
            figures = measured[name]
            sessions = "%d of %d TLS" % (figures["app_sessions_tls"], figures["app_sessions"])
            row = (number, name, figures["requests"], figures["rate"], figures["non_2xx"], figures["p50_ms"], figures["p99_ms"],
                   sessions)
            print("%-6d %-7s %9d %8.1f %8d %8s %8s %14s" % row)
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, "deploy-%s.json" % time.strftime("%Y%m%dT%H%M%S"))
    with open(path, "w") as handle:
        json.dump(dict(rate=args.rate, threads=args.threads, deploy=deploy, rollback=rollback, scaling=scale, tls=tls), handle,
                  indent=2)
    print("\nsaved %s" % path)


if __name__ == "__main__":
    main()
