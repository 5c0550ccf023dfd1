# Sourced by sdk/<lang>/run.sh: the results directory and the one count line each suite writes.
#   suite_results NAME [RESULTS_DIR]      sets $results (absolute) and $log (RESULTS_DIR/NAME.log)
#   suite_count NAME PASSED FAILED [NOTE] writes RESULTS_DIR/NAME.count: "NAME: P passed, F failed" and NOTE (skips_note)
# and skipped_tests (build/skipped-tests.sh): a skipped test is named with why, and counted as failed under CI=true.
source "$(dirname "${BASH_SOURCE[0]}")/../../build/skipped-tests.sh"
suite_results() {
  local root; root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  results="${2:-$root/artifacts/test-results}"
  mkdir -p "$results"; results="$(cd "$results" && pwd)"
  log="$results/$1.log"
}

suite_count() {
  echo "$1: $2 passed, $3 failed${4:-}" | tee "$results/$1.count"
}
