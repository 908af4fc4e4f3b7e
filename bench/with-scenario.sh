#!/usr/bin/env bash
# bench/with-scenario.sh SCENARIO COMMAND...: create and converge a Molecule
# scenario's hosts, run COMMAND against them, and remove them on every exit
# path. Benchmarks use it so that they measure the same stack the tests check.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
scenario=$1
shift
export NO_COLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1
log=.work/logs/bench-$scenario-converge.log
mkdir -p .work/logs

cleanup() {
  molecule destroy -s "$scenario" >/dev/null 2>&1
  docker ps -aq --filter label=hastack.scenario="$scenario" | xargs -r docker rm -f -v >/dev/null 2>&1  # -v: their disks too
  docker network ls -q --filter label=hastack.scenario="$scenario" | xargs -r docker network rm >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cleanup
molecule reset -s "$scenario" >/dev/null 2>&1
echo "converging the $scenario scenario's hosts (log: $log)"
start=$(date +%s)
if ! { molecule create -s "$scenario" && molecule converge -s "$scenario"; } >"$log" 2>&1; then
  grep -E 'fatal:|FAILED!|ERROR' "$log" | tail -n 20
  echo "converge failed; see $log" >&2
  exit 1
fi
echo "converged in $(($(date +%s) - start)) s"
# What Molecule gives its verifier, so that benchmarks can run playbooks too.
# shellcheck disable=SC2012  # the newest one is wanted, and the names are Molecule's own
MOLECULE_EPHEMERAL_DIRECTORY=$(ls -td ~/.ansible/tmp/molecule.*."$scenario" | head -n 1)
export MOLECULE_EPHEMERAL_DIRECTORY MOLECULE_SCENARIO_NAME=$scenario
export MOLECULE_INVENTORY_FILE=$MOLECULE_EPHEMERAL_DIRECTORY/inventory/ansible_inventory.yml
export MOLECULE_SCENARIO_DIRECTORY=$PWD/molecule/$scenario MOLECULE_PROJECT_DIRECTORY=$PWD
"$@"
