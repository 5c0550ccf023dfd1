#!/usr/bin/env bash
# The load test's own tools (loadtests/): report.py, the floor proxy and run.sh end to end at a tiny scale, against
# the Release binaries `make build` leaves. Writes <results>/loadtests.count ("loadtests: N passed, N failed").
set -uo pipefail
results="$1"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$results"
python3 "$here/suite.py" "$results/loadtests.count" >"$results/loadtests.log" 2>&1
status=$?
tail -3 "$results/loadtests.log"
[[ -s "$results/loadtests.count" ]] || echo "loadtests: 0 passed, 1 failed" >"$results/loadtests.count"
exit $status
