"""make bench-backup: backup and restore times for a database of about 1 GB.

Against the backup scenario's hosts (db1 primary, db2 standby, ops1 with the
pgBackRest repositories) it loads pgbench at --scale (70 is about 1 GB), then
times, each once:

- a full backup into repository 1 (files from the standby, lz4, encrypted);
- pgbench writes for --write-seconds, then a differential backup;
- the restore drill: pgbackrest verify of the latest backup, then the backup
  plus archived WAL restored into a scratch instance on ops1, recovered, and
  pg_amcheck --heapallindexed run;
- restore.yml: the whole cluster restored to the end of the archive, the
  standby cloned again, and the playbook's duration.

Figures are printed and saved to bench/results/backup-<time>.json; nothing is
asserted. Every step is bounded in time.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def docker_exec(container, *argv, timeout=3600):
    result = subprocess.run(["docker", "exec", container, *argv], capture_output=True, text=True, timeout=timeout,
                            check=False)
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-2000:] + result.stderr[-2000:])
        raise SystemExit("bench-backup: %s failed (rc %d)" % (" ".join(argv[:6]), result.returncode))
    return result.stdout


def as_postgres(container, *argv, timeout=3600):
    return docker_exec(container, "runuser", "-u", "postgres", "--", *argv, timeout=timeout)


def timed(what, function):
    started = time.monotonic()
    value = function()
    seconds = round(time.monotonic() - started, 1)
    print("%-44s %7.1f s" % (what, seconds), flush=True)
    return seconds, value


def playbook(name, *extra):
    result = subprocess.run(["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "hastack.platform." + name,
                             *extra], capture_output=True, text=True, timeout=3600, check=False)
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-3000:] + result.stderr[-2000:])
        raise SystemExit("bench-backup: %s failed (rc %d)" % (name, result.returncode))
    return result.stdout


def newest_backup(repo_host):
    info = json.loads(as_postgres(repo_host, "pgbackrest", "--stanza=main", "--output=json", "info"))[0]
    backups = [b for b in info["backup"] if b["database"]["repo-key"] == 1]
    newest = backups[-1]
    return {"label": newest["label"], "type": newest["type"],
            "database_mb": round(newest["info"]["size"] / 1048576, 1),
            "stored_mb": round(newest["info"]["repository"]["delta"] / 1048576, 1),
            "pgbackrest_s": newest["timestamp"]["stop"] - newest["timestamp"]["start"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=int, default=70)
    parser.add_argument("--write-seconds", type=int, default=60)
    args = parser.parse_args()
    prefix = os.environ["MOLECULE_SCENARIO_NAME"] + "-"
    db1, ops1 = prefix + "db1", prefix + "ops1"
    report = {"scale": args.scale, "hosts": "db1 primary, db2 standby, ops1 repository; 2 cores shared"}

    as_postgres(db1, "psql", "-XAtqc", "DROP DATABASE IF EXISTS bench", timeout=300)
    as_postgres(db1, "psql", "-XAtqc", "CREATE DATABASE bench", timeout=300)
    report["load_s"], _load = timed("pgbench -i -s %d" % args.scale, lambda: as_postgres(
        db1, "pgbench", "-i", "-q", "-s", str(args.scale), "bench"))
    report["database_mb"] = int(as_postgres(db1, "psql", "-XAtqc", "SELECT pg_database_size('bench') / 1048576").strip())
    print("database bench: %d MB" % report["database_mb"])
    # The standby must hold the load before a backup copies files from it.
    as_postgres(ops1, "pgbackrest", "--stanza=main", "check", timeout=600)

    report["full_backup_s"], _full = timed("full backup into repository 1", lambda: as_postgres(
        ops1, "pgbackrest", "--stanza=main", "--repo=1", "--type=full", "backup"))
    report["full_backup"] = newest_backup(ops1)

    timed("pgbench writes for %d s" % args.write_seconds, lambda: as_postgres(
        db1, "pgbench", "-n", "-c", "4", "-T", str(args.write_seconds), "bench", timeout=args.write_seconds + 300))
    report["diff_backup_s"], _diff = timed("differential backup into repository 1", lambda: as_postgres(
        ops1, "pgbackrest", "--stanza=main", "--repo=1", "--type=diff", "backup"))
    report["diff_backup"] = newest_backup(ops1)

    report["drill_s"], output = timed("restore drill (verify, restore, amcheck)", lambda: as_postgres(
        ops1, "python3", "/usr/local/sbin/hastack-pgbackrest-drill.py", "--stanza=main"))
    drill = json.loads(output.strip().splitlines()[-1])
    report["drill"] = drill
    print("  verify %.1f s; files restored in %.1f s, recovered and promoted at %.1f s; pg_amcheck %.1f s" % (
        drill["verify_s"], drill["restore_files_s"], drill["restore_s"], drill["amcheck_s"]))

    report["restore_playbook_s"], _restore = timed("restore.yml (whole cluster, latest)", lambda: playbook(
        "restore", "-e", "confirm=yes"))

    os.makedirs("bench/results", exist_ok=True)
    path = "bench/results/backup-%s.json" % time.strftime("%Y%m%dT%H%M%S")
    with open(path, "w") as handle:
        json.dump(report, handle, indent=2)
    print(json.dumps(report, indent=2))
    print("saved to %s" % path)


if __name__ == "__main__":
    main()
