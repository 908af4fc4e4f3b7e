"""make bench-failover: what a change of primary costs the writers.

A writer (molecule/shared/pg_writer.py) inserts numbered rows through the
PostgreSQL VIP at --rate per second, one connection, reconnecting after an
error, and records every acknowledged commit. Against a scenario's hosts (one
lb, three db hosts) it runs:

- --switchovers planned switchovers back and forth (switchover.yml);
- a hard failover in synchronous (quorum) mode: `docker kill` of the primary.
  --engine patroni (the engine scenario, the default): nothing is run, a
  replica takes the leader lease by itself, and the killed host, started
  again, rejoins by itself; --engine manual ran failover.yml, then rejoin.yml,
  on the hosts of the postgresql scenario, which is removed; those playbooks
  now refuse the manual engine;
- the same hard failover after re-converging with postgresql_synchronous_mode=off.

With --engine patroni, each lease setting of --leases (ttl,loop_wait,retry_timeout)
is converged in turn and first tried with 60 s of full CPU on the primary
(busy loops on every core, bounded by timeout), which must not fail over, then
with the synchronous failover.

Reported: each switchover's write gap (longest time without an acknowledged
write while the playbook ran, less one write interval), the failover time
from the kill (patroni) or playbook start (manual) to the first write the new
primary acknowledged, the
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


def cpu_load(args, writer, seconds=60):
    """Busy loops on every core of the primary for `seconds`; the primary must keep its lease."""
    old = primary(args.prefix, args.hosts)
    started = time.monotonic()
    docker("exec", args.prefix + old, "sh", "-c",
           "for i in $(seq $(nproc)); do timeout %d sh -c 'while :; do :; done' & done; wait" % seconds,
           timeout=seconds + 30)
    ended = time.monotonic()
    settle(writer, 2)
    return dict(event="cpu_load", seconds=seconds, primary=old, primary_after=primary(args.prefix, args.hosts),
                write_gap_s=round(writer.gap(started, ended), 2))


def rejoined(args, host, leader):
    """The restarted host is a replica streaming from the leader."""
    in_recovery = docker("exec", args.prefix + host, "runuser", "-u", "postgres", "--", "psql", "-XAtc",
                         "SELECT pg_is_in_recovery()").stdout.strip() == "t"
    streaming = docker("exec", args.prefix + leader, "runuser", "-u", "postgres", "--", "psql", "-XAtc",
                       "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").stdout.strip()
    return in_recovery and streaming == str(len(args.hosts) - 1)


def automatic_failover(args, writer, mode):
    """Patroni: kill the leader's host and run nothing; the lease moves by itself."""
    old = primary(args.prefix, args.hosts)
    killed = time.monotonic()
    docker("kill", args.prefix + old)
    first = wait(lambda: next((row for row in writer.acked if row[2] >= killed and row[1] != args.address[old]), None),
                 "a write on another member", 120)
    new = [host for host, address in args.address.items() if address == first[1]][0]
    docker("start", args.prefix + old)
    restarted = time.monotonic()
    wait(lambda: rejoined(args, old, new), old + " streaming again", 300)
    return dict(event="failover", mode=mode, killed=old, promoted=new, first_write_s=round(first[2] - killed, 2),
                rejoin_s=round(time.monotonic() - restarted, 2))


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


def converge(args, *extra):
    playbook(args.inventory, os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "converge.yml"), *extra)


def hard_failover(args, writer, mode):
    names = synchronous_names(args.prefix, primary(args.prefix, args.hosts))
    if (mode == "synchronous") != bool(names):
        raise SystemExit("bench-failover: the %s run needs %s synchronous_standby_names, found '%s'"
                         % (mode, "a" if mode == "synchronous" else "no", names))
    settle(writer, 3)
    mark = len(writer.acked)
    run = automatic_failover(args, writer, mode) if args.engine == "patroni" else failover(args, writer, mode)
    settle(writer, 2)
    run["acked_before_kill"] = mark
    print("  failover (%s)  first write after %5.2f s%s"
          % (mode, run["first_write_s"], "" if args.engine == "patroni" else
             "  playbook %5.1f s  rejoin %5.1f s" % (run["playbook_s"], run["rejoin_playbook_s"])), flush=True)
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vip", required=True)
    parser.add_argument("--prefix", default="failover-")
    parser.add_argument("--hosts", default="db1=10.231.22.31,db2=10.231.22.32,db3=10.231.22.33")
    parser.add_argument("--rate", type=float, default=50.0, help="writes per second")
    parser.add_argument("--switchovers", type=int, default=3)
    parser.add_argument("--output", default="bench/results")
    parser.add_argument("--engine", choices=["patroni", "manual"], default="patroni")
    parser.add_argument("--leases", default="30,10,10 20,2,5",
                        help="patroni: ttl,loop_wait,retry_timeout settings tried in turn (space separated)")
    args = parser.parse_args()
    args.address = dict(pair.split("=") for pair in args.hosts.split(","))
    args.hosts = sorted(args.address)
    args.inventory = os.environ["MOLECULE_INVENTORY_FILE"]
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "writer.pw")) as handle:
        dsn = "host=%s port=5432 dbname=ledger user=writer password=%s" % (args.vip, handle.read().split()[0])

    runs = []
    writer = Writer(dsn, rate=args.rate, max_seconds=2400, max_rows=200000).start()
    try:
        settle(writer, 3)
        for number in range(args.switchovers):
            current = primary(args.prefix, args.hosts)
            target = [h for h in args.hosts if h != current][number % 2]
            runs.append(switchover(args, writer, target))
            print("  switchover to %-4s  write gap %5.2f s  playbook %5.1f s"
                  % (target, runs[-1]["write_gap_s"], runs[-1]["playbook_s"]), flush=True)
            settle(writer, 2)
        leases = [None]
        if args.engine == "patroni":
            leases = [tuple(int(n) for n in lease.split(",")) for lease in args.leases.split()]
        for lease in leases:
            if lease:
                converge(args, "-e", "postgresql_patroni_ttl=%d" % lease[0], "-e", "postgresql_patroni_loop_wait=%d" % lease[1],
                         "-e", "postgresql_patroni_retry_timeout=%d" % lease[2])
                settle(writer, 3)
                runs.append(dict(cpu_load(args, writer), lease=lease))
                print("  60 s full CPU on %s, lease %s: primary after %s, write gap %5.2f s"
                      % (runs[-1]["primary"], lease, runs[-1]["primary_after"], runs[-1]["write_gap_s"]), flush=True)
            runs.append(dict(hard_failover(args, writer, "synchronous"), lease=lease))
        if args.engine == "patroni":
            converge(args, "-e", "postgresql_synchronous_mode=off", "-e", "postgresql_patroni_ttl=%d" % leases[-1][0],
                     "-e", "postgresql_patroni_loop_wait=%d" % leases[-1][1],
                     "-e", "postgresql_patroni_retry_timeout=%d" % leases[-1][2])
        else:
            converge(args, "-e", "postgresql_synchronous_mode=off")
        runs.append(dict(hard_failover(args, writer, "asynchronous"), lease=leases[-1]))
    finally:
        writer.stop()
    lost = set(missing_rows(dsn, writer.acked))
    failovers = [r for r in runs if r["event"] == "failover"]
    # The rows acknowledged from one failover's kill up to the next one's count against it.
    marks = [r["acked_before_kill"] for r in failovers] + [len(writer.acked)]
    for run, begin, end in zip(failovers, marks, marks[1:]):
        run["rows_lost"] = len([row for row in writer.acked[max(begin - 1, 0):end] if row[0] in lost])
    gaps = [r["write_gap_s"] for r in runs if r["event"] == "switchover"]
    sync_runs = [r for r in failovers if r["mode"] == "synchronous"]
    async_run = next(r for r in failovers if r["mode"] == "asynchronous")
    summary = dict(
        switchover_gap_max_s=max(gaps), switchover_gap_mean_s=round(sum(gaps) / len(gaps), 2),
        failover_first_write_s={str(r["lease"]): r["first_write_s"] for r in sync_runs},
        async_failover_first_write_s=async_run["first_write_s"],
        rows_lost_sync=sum(r["rows_lost"] for r in sync_runs), rows_lost_async=async_run["rows_lost"],
        cpu_load_failovers=len([r for r in runs if r["event"] == "cpu_load" and r["primary_after"] != r["primary"]]),
        acked=len(writer.acked), write_errors=len(writer.errors), rate=args.rate, engine=args.engine, targets=TARGETS)
    print("\nbench-failover (%s): %d writes/s through %s, %d acknowledged, %d failed attempts"
          % (args.engine, args.rate, args.vip, len(writer.acked), len(writer.errors)))
    print("%-52s %9s %9s" % ("figure", "measured", "target"))
    rows = [("switchover write gap, worst of %d" % len(gaps), "%.2f s" % summary["switchover_gap_max_s"], "<= 2 s"),
            ("switchover write gap, mean", "%.2f s" % summary["switchover_gap_mean_s"], "")]
    rows += [("failover to first write (synchronous%s)" % (", lease %s" % (r["lease"],) if r["lease"] else ""),
              "%.2f s" % r["first_write_s"], "<= 15 s") for r in sync_runs]
    rows += [("failover to first write (asynchronous)", "%.2f s" % summary["async_failover_first_write_s"], ""),
             ("acknowledged rows lost (synchronous)", str(summary["rows_lost_sync"]), "0"),
             ("acknowledged rows lost (asynchronous)", str(summary["rows_lost_async"]), "count")]
    rows += [("60 s full CPU on the primary, lease %s: failed over" % (r["lease"],),
              "yes" if r["primary_after"] != r["primary"] else "no", "no") for r in runs if r["event"] == "cpu_load"]
    for row in rows:
        print("%-52s %9s %9s" % row)
    for run in runs:
        print("  %s" % json.dumps(run, sort_keys=True))
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, time.strftime("failover-%Y%m%dT%H%M%S.json"))
    with open(path, "w") as handle:
        json.dump(dict(summary=summary, runs=runs), handle, indent=2)
    print("saved %s" % path)


if __name__ == "__main__":
    main()
