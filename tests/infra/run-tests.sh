#!/usr/bin/env bash
# `make test` (full), `make test-fast` (fast) and `make scenario S=x`.
# Runs each gate, then each Molecule scenario one after another, prints one
# line per gate and ends with "N passed, M failed". Logs: .work/logs/.
# Scenario containers are removed on every exit path; the lab is left alone.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
mode=${1:-full}
export NO_COLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1
logs=$root/.work/logs
mkdir -p "$logs"
passed=0
failed=0
failures=()
run_start=$(date +%s)
# A full run's lanes write to files; fd 3 is the terminal (or CI's log), where
# each gate's start and end show as they happen, so a run killed from outside
# still says how far it got.
exec 3>&1
progress() {  # progress TEXT: "[mm:ss] TEXT" on fd 3 (a full run only)
  [ "$mode" = full ] || return 0
  local t=$(($(date +%s) - run_start))
  printf '[%02d:%02d] %s\n' $((t / 60)) $((t % 60)) "$1" >&3
}

# remove_scenario_hosts NAME: one scenario's hosts and network, never another's
# (scenarios of this or another checkout may run side by side).
remove_scenario_hosts() {
  local filter=label=hastack.scenario=${1:?scenario name}
  docker ps -aq --filter "$filter" | xargs -r docker rm -f -v >/dev/null 2>&1  # -v: their disks too
  docker network ls -q --filter "$filter" | xargs -r docker network rm >/dev/null 2>&1
  # A writer a prepare step started on its own (setsid) outlives a killed run:
  # it would write into the next run's hosts and results.
  pkill -f "$root/molecule/$1/../shared/pg_writer.py" 2>/dev/null
  return 0
}

# The lines that say what failed (Ansible, pytest, Molecule), else the log's end.
failure_excerpt() {
  local lines
  lines=$(grep -E '^(fatal:|FAILED |E   |ERROR)|FAILED!|failed=[1-9]|not idempotent|reports changes|Traceback' "$1" | tail -n 25)
  if [ -n "$lines" ]; then echo "$lines"; else tail -n 25 "$1"; fi
}

# Tests only: Mitogen keeps one Python interpreter per test host (one docker
# exec per host, not one per task), about a third off every converge.
# Users' runs keep Ansible's own strategy. HASTACK_MITOGEN=0 turns it off.
if [ "${HASTACK_MITOGEN:-1}" = 1 ]; then
  ANSIBLE_STRATEGY_PLUGINS=$(python -c 'import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__))')/plugins/strategy
  export ANSIBLE_STRATEGY_PLUGINS ANSIBLE_STRATEGY=mitogen_linear
  # Mitogen starts its interpreter on a host within Ansible's connection
  # timeout (10 s): too short for three lanes on 2 busy cores.
  export ANSIBLE_TIMEOUT=${ANSIBLE_TIMEOUT:-60}
fi

# Seconds one scenario may take before it is killed (SCENARIO_TIMEOUT, e.g.
# for a slow machine or one that runs two scenarios at once). The engine
# scenario, the longest, takes about 40 minutes alone.
scenario_limit=${SCENARIO_TIMEOUT:-3600}

gate() {  # gate NAME TIMEOUT_S COMMAND...
  local name=$1 limit=$2 start rc
  shift 2
  start=$(date +%s)
  progress "start $name"
  timeout --kill-after=30 "$limit" bash -c '"$@"' "$name" "$@" >"$logs/$name.log" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    printf 'PASS  %-28s %4ss\n' "$name" $(($(date +%s) - start))
    progress "PASS  $name $(($(date +%s) - start))s"
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf 'FAIL  %-28s %4ss  (rc %s, log .work/logs/%s.log)\n' "$name" $(($(date +%s) - start)) $rc "$name"
    progress "FAIL  $name $(($(date +%s) - start))s (rc $rc)"
    failure_excerpt "$logs/$name.log" | sed 's/^/      | /'
  fi
}

# ansible-test needs the collection under a real .../ansible_collections/hastack/platform,
# outside this git checkout (inside it, git would hide the ignored copy).
ansible_test_base=/tmp/hastack-ansible-test-$(echo "$root" | md5sum | cut -c1-8)
ansible_test_tree() {
  local dest=$ansible_test_base/ansible_collections/hastack/platform
  rm -rf "$ansible_test_base"
  mkdir -p "$dest"
  git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$dest"
  # Offline stand-in for the get-pip.py ansible-test would download.
  local pip_version
  pip_version=$(python -c 'import ansible_test._internal.python_requirements as r, inspect, re; print(re.search(r"pip=.([0-9.]+)", inspect.getsource(r.get_venv_packages)).group(1))')
  mkdir -p ~/.ansible/test/cache
  cp tests/infra/get_pip_offline.py ~/.ansible/test/cache/get_pip_"${pip_version//./_}".py
  echo "$dest"
}

# The controller's own Python: 3.11 on Debian 12, 3.13 on Debian 13.
python_version=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
sanity() { cd "$(ansible_test_tree)" && ansible-test sanity --python "$python_version" --local --color no; }
# ansible-test's default targets are the plugins' tests; the roles' scripts' tests are named.
units() {
  cd "$ansible_test_base/ansible_collections/hastack/platform" &&
    ansible-test units --python "$python_version" --local --color no &&
    ansible-test units --python "$python_version" --local --color no tests/unit/roles/
}

build_install() {
  rm -rf .work/build .work/install
  ansible-galaxy collection build --force --output-path .work/build &&
    ansible-galaxy collection install --force --no-deps -p .work/install .work/build/hastack-platform-*.tar.gz &&
    for playbook in playbooks/*.yml; do
      name=$(basename "$playbook" .yml)
      ANSIBLE_COLLECTIONS_PATH=$root/.work/install ansible-playbook --syntax-check -i inventories/lab "hastack.platform.$name" || return 1
    done
}

galaxy_importer() {
  cd .work/build &&
    GALAXY_IMPORTER_CONFIG=$root/tests/infra/galaxy-importer.cfg python -m galaxy_importer.main hastack-platform-*.tar.gz >importer.log 2>&1
  local rc=$?
  cat importer.log
  [ $rc -eq 0 ] && ! grep -qE '^(ERROR|WARNING):' importer.log
}

# sequence_names SCENARIO STEP: the scenario's test_sequence names STEP (read
# as YAML: a block list names its steps on lines of their own).
sequence_names() {
  python -c 'import sys, yaml; sys.exit(sys.argv[2] not in yaml.safe_load(open(sys.argv[1]))["scenario"]["test_sequence"])' \
    "molecule/$1/molecule.yml" "$2"
}

# create, prepare (when it has one), converge, idempotence and a clean --check
# (each when its test_sequence names it), verify; remove the hosts always
scenario() {
  local s=$1 rc
  # Forget state an interrupted run may have left (Molecule would skip create).
  remove_scenario_hosts "$s"
  molecule reset -s "$s" >/dev/null 2>&1
  # No separate `molecule syntax`: converge parses the same playbooks first.
  molecule create -s "$s" &&
    { [ ! -f "molecule/$s/prepare.yml" ] || molecule prepare -s "$s"; } &&
    molecule converge -s "$s" &&
    { ! sequence_names "$s" idempotence || molecule idempotence -s "$s"; } &&
    { ! sequence_names "$s" check ||
      { molecule check -s "$s" | tee "$logs/scenario-$s.check.log" && check_made_no_change "$logs/scenario-$s.check.log"; }; } &&
    molecule verify -s "$s"
  rc=$?
  # What `molecule destroy` would remove, without its playbook's start-up time.
  remove_scenario_hosts "$s"
  molecule reset -s "$s" >/dev/null 2>&1
  return $rc
}

check_made_no_change() {
  if grep -E '^[^ ]+ +: ok=' "$1" | grep -vE 'changed=0 ' ; then
    echo "the --check run after converge reports changes (above): the role is not idempotent in check mode"
    return 1
  fi
}

export root logs ansible_test_base python_version
export -f remove_scenario_hosts ansible_test_tree sanity units build_install galaxy_importer scenario sequence_names \
  check_made_no_change
scenarios() { for f in molecule/*/molecule.yml; do basename "$(dirname "$f")"; done; }

# On exit a full run removes the hosts of each of its scenarios, a single
# scenario only its own; the fast gates create none. Hosts of other runs
# (another checkout's scenarios, the lab) are left alone.
only_scenario=${2:-}
lane=
kill_tree() {  # kill_tree PID: the process and every descendant
  local child
  for child in $(pgrep -P "$1"); do kill_tree "$child"; done
  kill "$1" 2>/dev/null
}
cleanup_on_exit() {
  local pid
  for pid in $lane; do kill_tree "$pid"; wait "$pid" 2>/dev/null; done
  case $mode in
    full) for s in $(scenarios); do remove_scenario_hosts "$s"; done ;;
    scenario) remove_scenario_hosts "$only_scenario" ;;
  esac
  rm -rf "$ansible_test_base"
}
trap cleanup_on_exit EXIT
trap 'exit 130' INT TERM

fast_gates() {
  gate yamllint 300 yamllint -s .
  gate ansible-lint 600 ansible-lint --profile production --offline
  gate changelog 120 antsibull-changelog lint
  gate rules 300 tests/infra/rules-gate.sh
  gate sanity 1200 sanity
  if compgen -G 'tests/unit/plugins/*/test_*.py' >/dev/null; then gate units 600 units; fi
}

# Lanes of a full run, ';' between lanes; "gates" is every gate. On 2 cores
# three lanes keep both busy: much of a scenario's time is waiting (leases,
# failovers, timers, a writer, alerts' `for`). Four lanes were tried: four
# converges at once slowed restore.yml in backup past its 300 s bound.
# Balanced, longest first, by a fresh clone's run of 151a88b (2026-12-04,
# docs/testing.md): grow 1686 s, monitoring 1599, engine 1448, backup 1154,
# deploy 659, frontdoor about 650, twotier 551, rails 544, inputs 508,
# etcd 459, logging 353, django about 350, the gates about 330, common 120.
# A scenario no lane names runs in the last lane. HASTACK_LANES overrides.
lanes=${HASTACK_LANES:-"grow monitoring common;engine deploy frontdoor inputs logging;backup twotier rails etcd django gates"}

run_lane() {  # run_lane "gates frontdoor etcd": one after another
  local item
  for item in $1; do
    if [ "$item" = gates ]; then
      fast_gates
      gate build-install-syntax 300 build_install
      gate galaxy-importer 300 galaxy_importer
    else
      gate "scenario-$item" "$scenario_limit" scenario "$item"
    fi
  done
}

case $mode in
  fast)
    fast_gates
    ;;
  full)
    IFS=';' read -r -a plan <<<"$lanes"
    for s in $(scenarios); do
      case " ${plan[*]} " in *" $s "*) ;; *) plan[${#plan[@]}-1]+=" $s" ;; esac
    done
    lane_pids=()
    for i in "${!plan[@]}"; do
      run_lane "${plan[$i]}" >"$logs/lane-$i.out" 2>&1 &
      lane_pids+=($!)
    done
    lane="${lane_pids[*]}"
    # CI kills a run at 90 minutes with nothing printed: past the deadline the
    # lanes are stopped here instead, and the summary below counts each
    # stopped lane as a failure (HASTACK_TEST_DEADLINE seconds; 0: none).
    deadline=${HASTACK_TEST_DEADLINE:-4800}
    while :; do
      alive=()
      for i in "${!lane_pids[@]}"; do kill -0 "${lane_pids[$i]}" 2>/dev/null && alive+=("$i"); done
      [ ${#alive[@]} -gt 0 ] || break
      if [ "$deadline" -gt 0 ] && [ $(($(date +%s) - run_start)) -ge "$deadline" ]; then
        progress "deadline of ${deadline}s reached: stopping lanes ${alive[*]} (see their last start above)"
        for i in "${alive[@]}"; do
          kill_tree "${lane_pids[$i]}"
          echo "FAIL  lane $i stopped at the ${deadline}s deadline (HASTACK_TEST_DEADLINE)" >>"$logs/lane-$i.out"
        done
        break
      fi
      sleep 5
    done
    wait "${lane_pids[@]}" 2>/dev/null
    lane=
    for i in "${!plan[@]}"; do
      cat "$logs/lane-$i.out"
      passed=$((passed + $(grep -c '^PASS  ' "$logs/lane-$i.out")))
      failed=$((failed + $(grep -c '^FAIL  ' "$logs/lane-$i.out")))
      while read -r name; do failures+=("$name"); done < <(sed -n 's/^FAIL  \(lane [0-9]*\|[^ ]*\) .*/\1/p' "$logs/lane-$i.out")
    done
    ;;
  scenario)
    gate "scenario-$2" "$scenario_limit" scenario "$2"
    ;;
  *) echo "usage: $0 fast|full|scenario NAME" >&2; exit 2 ;;
esac

echo "$passed passed, $failed failed${failures:+ (${failures[*]})}"
[ "$failed" -eq 0 ]
