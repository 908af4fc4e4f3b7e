"""The cost of a converged host at rest: its memory and CPU as a whole and per service.

Run by `make bench-one` on the grow scenario's one1 (the one-host shape) right after its converge:
it waits for the host to settle, then samples for a fixed time. Memory is each process's
proportional set size (PSS: a page shared by n processes counts 1/n to each, so PostgreSQL's
shared buffers count once), summed per systemd unit; CPU the share of one core each unit's
processes used over the window (utime + stime). Systemd's own accounting is not on in the test
containers, so /proc is read; processes in no unit (docker exec's: Ansible, this sampler) are
left out. Nothing is asserted; the figures are printed and saved.
"""
import argparse
import json
import os
import subprocess
import time

# Run in the host: {unit: [pss kB, cpu ticks]} over every process, and the clock's ticks per second.
SAMPLE = r"""
import json, os
units = {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open("/proc/%s/cgroup" % pid) as handle:
            paths = [line.split(":", 2)[2] for line in handle.read().splitlines()]
        with open("/proc/%s/stat" % pid) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open("/proc/%s/smaps_rollup" % pid) as handle:
            pss = sum(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
    except (OSError, IndexError, ValueError):
        continue
    parts = [part for path in paths for part in path.split("/") if part.endswith((".service", ".scope"))]
    # Outside any unit: what docker exec started (Ansible, this sampler), not the host's own.
    unit = parts[-1] if parts else "docker-exec"
    entry = units.setdefault(unit, [0, 0])
    entry[0] += pss
    entry[1] += int(fields[11]) + int(fields[12])
print(json.dumps({"units": units, "hz": os.sysconf("SC_CLK_TCK")}))
"""


def services(container):
    """{unit: (pss kB, cpu ticks)}, ticks per second."""
    result = subprocess.run(["docker", "exec", container, "python3", "-c", SAMPLE], capture_output=True, text=True,
                            timeout=60, check=True)
    sample = json.loads(result.stdout)
    return {unit: tuple(values) for unit, values in sample["units"].items()}, sample["hz"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--container", required=True)
    parser.add_argument("--settle", type=float, default=60.0, help="seconds to wait before sampling")
    parser.add_argument("--window", type=float, default=120.0, help="seconds to sample")
    parser.add_argument("--out", default="bench/results/at-rest.json")
    args = parser.parse_args()

    time.sleep(args.settle)
    (before, hz), started = services(args.container), time.monotonic()
    time.sleep(args.window)
    (after, _hz), elapsed = services(args.container), time.monotonic() - started
    rows = []
    for unit, (pss, ticks) in sorted(after.items()):
        if unit == "docker-exec":
            continue
        # A unit's processes that ended in the window take their ticks with them: never below 0.
        used = max(0, ticks - before.get(unit, (0, 0))[1]) / float(hz)
        rows.append(dict(unit=unit, memory_mib=round(pss / 1024.0, 1),
                         cpu_percent_of_a_core=round(100 * used / elapsed, 2)))
    total = dict(
        units=len(rows),
        memory_mib=round(sum(row["memory_mib"] for row in rows), 1),
        cpu_percent_of_a_core=round(sum(row["cpu_percent_of_a_core"] for row in rows), 2),
        window_seconds=round(elapsed, 1),
    )
    for row in sorted(rows, key=lambda row: -row["memory_mib"]):
        print("%-42s %8s MiB %7s %% of a core" % (row["unit"], row["memory_mib"], row["cpu_percent_of_a_core"]))
    print("whole host: %(units)d units, %(memory_mib)s MiB, %(cpu_percent_of_a_core)s %% of a core "
          "(over %(window_seconds)s s)" % total)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(dict(container=args.container, measured_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       total=total, services=rows), handle, indent=1)


if __name__ == "__main__":
    main()
