"""make bench-django, make bench-rails: figures for a user's example app on
its scenario's hosts (three app hosts: the bench adds app3 to the scenario).

1. Scaling: with 1, 2 and 3 app hosts in service (the others in maintenance
   on haproxy), more clients than the hosts can serve ask for the example's
   front page (a database read) through the VIP for --scale-seconds;
   reported: req/s, and the ratio to 1 host's figure times the host count.
   Every host, the load balancer, the database and this load generator share
   the machine's cores: the ratio says what the stack adds, not what
   separate machines would reach.
2. A rolling deploy of a new release (every package of it), then a rollback,
   each under --rate req/s through the VIP. Reported: requests, non-2xx
   answers (network errors count as 0), p50 and p99, the playbook's duration.

Every loop is bounded in count and time. Results: bench/results/<example>-<time>.json.
"""
import argparse
import json
import os
import time

from deploy import playbook, run, scale_over_hosts, under_load  # bench/deploy.py: the same steps for the demo app

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
# Each example: its build script (VERSION OUTPUT_DIR) and its packages, the first the app's.
EXAMPLES = {
    "django": dict(build="examples/django_speedy/build-debs.sh", packages=["speedy-app", "speedy-notifier", "speedy-jobs"]),
    "rails": dict(build="examples/rails_classroom/build-deb.sh", packages=["classroom"]),
}


def release_args(example, version, artifacts):
    """-e arguments that deploy every package of the example at version."""
    result = run(os.path.join(ROOT, example["build"]), version, artifacts, timeout=300)
    if result.returncode != 0:
        raise SystemExit("bench: the build failed: %s" % result.stderr[-2000:])
    paths = [os.path.join(artifacts, "%s_%s_all.deb" % (name, version)) for name in example["packages"]]
    extras = [{"name": name, "artifact": path} for name, path in zip(example["packages"][1:], paths[1:])]
    return ["-e", "app_version=" + version, "-e", "app_artifact=" + paths[0], "-e", json.dumps({"app_extra_packages": extras})]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--example", required=True, choices=sorted(EXAMPLES))
    parser.add_argument("--vip", required=True)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--scale-seconds", type=float, default=30.0)
    parser.add_argument("--output", default="bench/results")
    args = parser.parse_args()
    example = EXAMPLES[args.example]
    inventory = os.environ["MOLECULE_INVENTORY_FILE"]
    prefix = os.environ["MOLECULE_SCENARIO_NAME"] + "-"
    artifacts = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "artifacts")

    print("scaling over 1, 2, 3 app hosts ...", flush=True)
    scale = scale_over_hosts(args, prefix, "/", clients_per_host=6)
    new = release_args(example, "2.0.0", artifacts)
    print("rolling deploy 1.0.0 -> 2.0.0 under %.0f req/s ..." % args.rate, flush=True)
    deploy = under_load(args, lambda: playbook(inventory, "hastack.platform.deploy", *new), timeout=15)
    print("rollback 2.0.0 -> 1.0.0 under %.0f req/s ..." % args.rate, flush=True)
    rollback = under_load(args, lambda: playbook(inventory, "hastack.platform.rollback"), timeout=15)

    print("\n%-6s %8s %10s %8s %8s" % ("hosts", "req/s", "of linear", "non-2xx", "p50 ms"))
    for figure in scale:
        row = (figure["hosts"], figure["rate"], figure["of_linear"] or 0, figure["non_2xx"], figure["p50_ms"])
        print("%-6d %8.1f %10.3f %8d %8s" % row)
    print("\n%-10s %9s %8s %8s %8s %8s %10s" % ("phase", "requests", "req/s", "non-2xx", "p50 ms", "p99 ms", "playbook s"))
    for name, figures in (("deploy", deploy), ("rollback", rollback)):
        row = (name, figures["requests"], figures["rate"], figures["non_2xx"], figures["p50_ms"], figures["p99_ms"],
               figures["playbook_seconds"])
        print("%-10s %9d %8.1f %8d %8s %8s %10.1f" % row)
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, "%s-%s.json" % (args.example, time.strftime("%Y%m%dT%H%M%S")))
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(dict(example=args.example, rate=args.rate, scaling=scale, deploy=deploy, rollback=rollback), handle, indent=2)
    print("\nsaved %s" % path)


if __name__ == "__main__":
    main()
