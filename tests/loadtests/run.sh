#!/usr/bin/env bash
# The load test's own tools (loadtests/): report.py, the floor proxy and run.sh end to end at a tiny scale, against
# the Release binaries `make build` leaves. Writes <results>/loadtests.count ("loadtests: N passed, N failed"); prints
# the log's last lines: each failure and why, each retry's outcome, each skipped test and why (tests/loadtests/suite.py),
# then the count.
set -uo pipefail
results="$1"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$results"
python3 "$here/suite.py" "$results/loadtests.count" >"$results/loadtests.log" 2>&1
status=$?
if grep -qE '^loadtests: [0-9]+ test\(s\) (failed:|skipped)' "$results/loadtests.log"; then
  sed -nE '/^loadtests: [0-9]+ test\(s\) (failed:|skipped)/,$p' "$results/loadtests.log"
else
  tail -1 "$results/loadtests.log"
fi
[[ -s "$results/loadtests.count" ]] || echo "loadtests: 0 passed, 1 failed" >"$results/loadtests.count"
exit $status
