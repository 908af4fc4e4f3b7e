"""make bench-monitoring: what the monitoring costs on the lab (`make lab` first).

Asks the lab's Prometheus (on the monitoring host, through docker exec) after it
has run for --settle seconds, and prints:

- samples per scrape, per job and in all, and the samples ingested per second;
- head series and Prometheus's resident memory;
- disk per day at 1.3 bytes per sample (Prometheus's documented typical after
  compression: the first block is compacted after two hours, longer than a
  bench should wait);
- CPU of each exporter, etcd, Patroni and PostgreSQL's exporter on a db host.

Figures are printed and saved to bench/results/monitoring-<time>.json; nothing
is asserted. Every wait is bounded.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import urllib.parse


def query(container, address, expr):
    url = "http://%s:9090/api/v1/query?%s" % (address, urllib.parse.urlencode({"query": expr}))
    result = subprocess.run(["docker", "exec", container, "curl", "-sf", "-m", "10", url],
                            capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        raise SystemExit("bench-monitoring: %s does not answer (is the lab up? make lab)" % url)
    return [(item["metric"], float(item["value"][1])) for item in json.loads(result.stdout)["data"]["result"]]


def one(container, address, expr, default=0.0):
    found = query(container, address, expr)
    return found[0][1] if found else default


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--container", default="lab-ops1", help="the monitoring host's container")
    parser.add_argument("--address", default="10.231.10.41", help="its address")
    parser.add_argument("--db-host", default="db1", help="the db host whose CPU is reported")
    parser.add_argument("--settle", type=int, default=360, help="seconds Prometheus must have run (rates span 5m)")
    parser.add_argument("--output", default="bench/results")
    args = parser.parse_args()

    deadline = time.monotonic() + args.settle + 60
    while True:
        uptime = time.time() - one(args.container, args.address, 'process_start_time_seconds{job="prometheus"}',
                                   time.time())
        if uptime >= args.settle or time.monotonic() > deadline:
            break
        print("Prometheus has run %.0f s; waiting until %d s" % (uptime, args.settle))
        time.sleep(min(30, args.settle - uptime + 1))

    def q(expr):
        return query(args.container, args.address, expr)

    per_job = {m["job"]: v for m, v in q("sum by (job) (scrape_samples_scraped)")}
    targets = {m["job"]: v for m, v in q("count by (job) (up)")}
    ingest = one(args.container, args.address, "sum(rate(prometheus_tsdb_head_samples_appended_total[5m]))")
    bytes_per_sample = 1.3
    figures = {
        "scrape_interval": q('prometheus_target_interval_length_seconds{quantile="0.5"}')[0][0]["interval"],
        "targets": targets,
        "samples_per_scrape": per_job,
        "samples_per_scrape_all": sum(per_job.values()),
        "samples_per_second": ingest,
        "head_series": one(args.container, args.address, "prometheus_tsdb_head_series"),
        "prometheus_rss_mib": one(args.container, args.address,
                                  'process_resident_memory_bytes{job="prometheus"}') / 2 ** 20,
        "alertmanager_rss_mib": sum(v for _m, v in q('process_resident_memory_bytes{job="alertmanager"}')) / 2 ** 20,
        "bytes_per_sample": bytes_per_sample,
        "disk_per_day_mib": ingest * 86400 * bytes_per_sample / 2 ** 20,
        "cpu_percent_on_" + args.db_host: {
            m["job"]: v * 100 for m, v in
            q('sum by (job) (rate(process_cpu_seconds_total{instance="%s"}[5m]))' % args.db_host)},
    }
    print(json.dumps(figures, indent=2, sort_keys=True))
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, "monitoring-%s.json" % time.strftime("%Y%m%dT%H%M%S"))
    with open(path, "w") as handle:
        json.dump(figures, handle, indent=2, sort_keys=True)
    print("saved to %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
