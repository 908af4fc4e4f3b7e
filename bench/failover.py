"""make bench-failover: what a change of primary costs the writers.

A writer (molecule/shared/pg_writer.py) inserts numbered rows through the
PostgreSQL VIP at --rate per second, one connection, reconnecting after an
error, and records every acknowledged commit. Against the postgresql scenario's
hosts (one lb, three db hosts) it runs:

- --switchovers planned switchovers back and forth (switchover.yml);
- a hard failover in synchronous (quorum) mode: `docker kill` of the primary,
  then failover.yml, then the old primary is started and rejoin.yml brings it back;
- the same hard failover after re-converging with postgresql_synchronous_mode=off.

Reported: each switchover's write gap (longest time without an acknowledged
write while the playbook ran, less one write interval), the failover time
from playbook start to the first write the new primary acknowledged, the
acknowledged rows that are missing afterwards, and every playbook's duration.
Loops are bounded in count and time. Results: bench/results/failover-<time>.json.
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "molecule", "shared"))
from pg_writer import Writer, missing_rows  # noqa: E402  pylint: disable=wrong-import-position

TARGETS = {"switchover_gap_s": 2.0, "failover_s": 15.0, "rows_lost_sync": 0}


def docker(*args, timeout=120):
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)


def playbook(inventory, name, *extra):
    started = time.monotonic()
    result = subprocess.run(["ansible-playbook", "-i", inventory, name, *extra], capture_output=True, text=True,
                            timeout=900, check=False)
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-3000:] + result.stderr[-2000:])
        raise SystemExit("bench-failover: %s failed (rc %d)" % (name, result.returncode))
    return started, time.monotonic()


def primary(prefix, hosts):
    found = [host for host in hosts
             if docker("exec", prefix + host, "runuser", "-u", "postgres", "--", "psql", "-XAtc",
                       "SELECT pg_is_in_recovery()").stdout.strip() == "f"]
    if len(found) != 1:
        raise SystemExit("bench-failover: expected one primary, found %s" % (found or "none"))
    return found[0]


def wait(predicate, what, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit("bench-failover: timed out after %d s waiting for %s" % (timeout, what))


def settle(writer, seconds):
    """Let the writer run steadily, and make sure it is writing again."""
    count = len(writer.acked)
    time.sleep(seconds)
    wait(lambda: len(writer.acked) > count, "the writer to write again", 60)


def synchronous_names(prefix, host):
    return docker("exec", prefix + host, "runuser", "-u", "postgres", "--", "psql", "-XAtc",
                  "SHOW synchronous_standby_names").stdout.strip()


def switchover(args, writer, target):
    started, ended = playbook(args.inventory, "hastack.platform.switchover", "-e", "target=" + target)
    first = wait(lambda: writer.first_ack_after(started, args.address[target]), "a write on " + target, 60)
    wait(lambda: writer.acked[-1][2] > first[2] + 1.0, "writes to continue", 30)
    gap = writer.gap(started, max(ended, first[2]))
    return dict(event="switchover", target=target, playbook_s=round(ended - started, 2), write_gap_s=round(gap, 2),
                errors=len([e for e in writer.errors if started <= e[1] <= ended + 1]))


def failover(args, writer, mode):
    old = primary(args.prefix, args.hosts)
    docker("kill", args.prefix + old)
    started, ended = playbook(args.inventory, "hastack.platform.failover")
    new = primary(args.prefix, [h for h in args.hosts if h != old])
    first = wait(lambda: writer.first_ack_after(started, args.address[new]), "a write on " + new, 60)
    docker("start", args.prefix + old)
    docker("exec", args.prefix + old, "systemctl", "is-system-running", "--wait", timeout=120)
    rejoin_started, rejoin_ended = playbook(args.inventory, "hastack.platform.rejoin")
    return dict(event="failover", mode=mode, killed=old, promoted=new, playbook_s=round(ended - started, 2),
                first_write_s=round(first[2] - started, 2), rejoin_playbook_s=round(rejoin_ended - rejoin_started, 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vip", required=True)
    parser.add_argument("--prefix", default="failover-")
    parser.add_argument("--hosts", default="db1=10.231.22.31,db2=10.231.22.32,db3=10.231.22.33")
    parser.add_argument("--rate", type=float, default=50.0, help="writes per second")
    parser.add_argument("--switchovers", type=int, default=3)
    parser.add_argument("--output", default="bench/results")
    args = parser.parse_args()
    args.address = dict(pair.split("=") for pair in args.hosts.split(","))
    args.hosts = sorted(args.address)
    args.inventory = os.environ["MOLECULE_INVENTORY_FILE"]
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "writer.pw")) as handle:
        dsn = "host=%s port=5432 dbname=ledger user=writer password=%s" % (args.vip, handle.read().split()[0])

    runs = []
    writer = Writer(dsn, rate=args.rate, max_seconds=1500).start()
    try:
        settle(writer, 3)
        for number in range(args.switchovers):
            current = primary(args.prefix, args.hosts)
            target = [h for h in args.hosts if h != current][number % 2]
            runs.append(switchover(args, writer, target))
            print("  switchover to %-4s  write gap %5.2f s  playbook %5.1f s"
                  % (target, runs[-1]["write_gap_s"], runs[-1]["playbook_s"]), flush=True)
            settle(writer, 2)
        for mode in ("synchronous", "asynchronous"):
            if mode == "asynchronous":
                playbook(args.inventory, os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "converge.yml"),
                         "-e", "postgresql_synchronous_mode=off")
            names = synchronous_names(args.prefix, primary(args.prefix, args.hosts))
            if (mode == "synchronous") != bool(names):
                raise SystemExit("bench-failover: the %s run needs %s synchronous_standby_names, found '%s'"
                                 % (mode, "a" if mode == "synchronous" else "no", names))
            settle(writer, 3)
            mark = len(writer.acked)
            run = failover(args, writer, mode)
            settle(writer, 2)
            run["acked_before_kill"] = mark
            runs.append(run)
            print("  failover (%s)  first write after %5.2f s  playbook %5.1f s  rejoin %5.1f s"
                  % (mode, run["first_write_s"], run["playbook_s"], run["rejoin_playbook_s"]), flush=True)
    finally:
        writer.stop()
    lost = missing_rows(dsn, writer.acked)
    sync_run = next(r for r in runs if r.get("mode") == "synchronous")
    async_run = next(r for r in runs if r.get("mode") == "asynchronous")
    sync_cut = writer.acked[async_run["acked_before_kill"] - 1][0]
    sync_run["rows_lost"] = len([i for i in lost if i <= sync_cut])
    async_run["rows_lost"] = len([i for i in lost if i > sync_cut])

    gaps = [r["write_gap_s"] for r in runs if r["event"] == "switchover"]
    summary = dict(
        switchover_gap_max_s=max(gaps), switchover_gap_mean_s=round(sum(gaps) / len(gaps), 2),
        failover_first_write_s=sync_run["first_write_s"], async_failover_first_write_s=async_run["first_write_s"],
        rows_lost_sync=sync_run["rows_lost"], rows_lost_async=async_run["rows_lost"],
        acked=len(writer.acked), write_errors=len(writer.errors), rate=args.rate, targets=TARGETS)
    print("\nbench-failover: %d writes/s through %s, %d acknowledged, %d failed attempts"
          % (args.rate, args.vip, len(writer.acked), len(writer.errors)))
    print("%-42s %9s %9s" % ("figure", "measured", "target"))
    rows = [("switchover write gap, worst of %d" % len(gaps), "%.2f s" % summary["switchover_gap_max_s"], "<= 2 s"),
            ("switchover write gap, mean", "%.2f s" % summary["switchover_gap_mean_s"], ""),
            ("failover to first write (synchronous)", "%.2f s" % summary["failover_first_write_s"], "<= 15 s"),
            ("failover to first write (asynchronous)", "%.2f s" % summary["async_failover_first_write_s"], ""),
            ("acknowledged rows lost (synchronous)", str(summary["rows_lost_sync"]), "0"),
            ("acknowledged rows lost (asynchronous)", str(summary["rows_lost_async"]), "count")]
    for row in rows:
        print("%-42s %9s %9s" % row)
    for run in runs:
        print("  %s" % json.dumps(run, sort_keys=True))
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, time.strftime("failover-%Y%m%dT%H%M%S.json"))
    with open(path, "w") as handle:
        json.dump(dict(summary=summary, runs=runs), handle, indent=2)
    print("saved %s" % path)


if __name__ == "__main__":
    main()
