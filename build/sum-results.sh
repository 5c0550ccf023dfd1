#!/usr/bin/env bash
# Sums every suite's results into the one line CI reads: `N passed, N failed`.
#   - dotnet test: dotnet.count (build/test-dotnet.sh), or else the per-assembly summary lines in dotnet.log
#   - other suites: a file <suite>.count holding "<suite>: N passed, N failed"
# Above it, every test that failed for good (<suite>-failed.txt) and every flaky one (<suite>-flaky.txt), by name and
# why (build/rerun-failed.py): a CI report that keeps only the last lines still says which test failed.
set -euo pipefail
dir="$1"
passed=0
failed=0
if [[ -f "$dir/dotnet.log" && ! -f "$dir/dotnet.count" ]]; then
  while read -r p f; do
    passed=$((passed + p)); failed=$((failed + f))
  done < <(sed -nE 's/.*(Passed|Failed)!.*Failed: *([0-9]+), Passed: *([0-9]+),.*/\3 \2/p' "$dir/dotnet.log")
  # A test host that crashed prints no summary: count it as a failure.
  if grep -qE "Test Run Aborted|The active test run was aborted" "$dir/dotnet.log"; then failed=$((failed + 1)); fi
fi
for f in "$dir"/*.count; do
  [[ -f "$f" ]] || continue
  read -r p f2 < <(sed -nE 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p' "$f")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f2:-0}))
done
for f in "$dir"/*-flaky.txt "$dir"/*-failed.txt; do
  [[ -s "$f" ]] || continue
  kind="${f##*-}"; kind="${kind%.txt}"; suite="$(basename "${f%-*}")"
  while IFS= read -r test; do echo "$kind in $suite: $test"; done < "$f"
done
echo "${passed} passed, ${failed} failed"
