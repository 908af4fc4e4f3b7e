#!/usr/bin/env bash
# The rules gate: every alert rule file (and the static thresholds fixture the
# unit tests use) passes promtool's checks, then the rule unit tests pass.
#   tests/infra/rules-gate.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
tests/infra/promtool.sh promtool check rules roles/monitoring/files/rules/*.yml tests/promtool/thresholds.yml
tests/infra/promtool.sh promtool test rules tests/promtool/*_test.yml
