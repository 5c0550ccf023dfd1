#!/usr/bin/env bash
# The .NET suites (`make test-dotnet`): every test project of Gateway.sln, then one more run of the tests
# that failed, and one count file.
#
#   build/test-dotnet.sh RESULTS_DIR
#
# A test that fails and then passes when run again on its own is counted as passed and listed as flaky
# (RESULTS_DIR/dotnet-flaky.txt and the log's last lines; build/rerun-failed.py): a flaky test is a bug to fix, not a
# result to hide, and the list says which. A test that fails twice is a failure, named with why in
# RESULTS_DIR/dotnet-failed.txt; a test host that crashed (no summary) is a failure too. A skipped test is named with why (RESULTS_DIR/dotnet-skipped.tsv and the log's last lines)
# and, under CI=true, counted as failed (build/skipped-tests.sh); elsewhere the count line ends with "(N skipped)".
set -uo pipefail
source "$(dirname "$0")/skipped-tests.sh"
results="$1"
dotnet="${DOTNET:-dotnet}"
trx="$results/trx"
target="${DOTNET_TEST_TARGET:-Gateway.sln}"
rm -rf "$trx" && mkdir -p "$trx"
# The test hosts and the gateways they start live seconds to minutes: profile-guided tiering would JIT their hot methods
# a third time for speed they never reach (off: Gateway.Proxy.Tests' host 206 -> 176 s CPU, the suites 353 -> 313 s).
export DOTNET_TieredPGO="${DOTNET_TieredPGO:-0}"

"$dotnet" test "$target" --no-build -c Release -nologo -v:q --logger "console;verbosity=minimal" \
  --logger trx --results-directory "$trx" 2>&1 | tee "$results/dotnet.log"
status="${PIPESTATUS[0]}"

# Passed and failed over every assembly's summary line.
read -r passed failed < <(sed -nE 's/.*(Passed|Failed)!.*Failed: *([0-9]+), Passed: *([0-9]+),.*/\3 \2/p' "$results/dotnet.log" \
  | awk '{p += $1; f += $2} END {print p + 0, f + 0}')
# Skipped over every assembly's summary line ("Skipped!" where an assembly skipped all it had; a trx's notExecuted
# counter stays 0 for a skip).
skipped="$(sed -nE 's/.*(Passed|Failed|Skipped)!.*Skipped: *([0-9]+),.*/\2/p' "$results/dotnet.log" | awk '{s += $1} END {print s + 0}')"
aborted=0
grep -qE "Test Run Aborted|The active test run was aborted" "$results/dotnet.log" && aborted=1

# Each failed test named with why, then run once more on its own (build/rerun-failed.py): when every one passes then,
# they count as passed and are listed as flaky.
if [[ "$status" != 0 && "$aborted" == 0 ]] && DOTNET="$dotnet" python3 "$(dirname "$0")/rerun-failed.py" dotnet "$results" trx "$trx"; then
  passed=$((passed + failed)); failed=0; status=0
fi
if (( aborted )); then
  failed=$((failed + 1))
  echo "a test host crashed (Test Run Aborted): its tests have no result; see $results/dotnet.log" >>"$results/dotnet-failed.txt"
fi
trx_skipped "$trx" >"$results/dotnet-skipped.tsv"
skipped_tests dotnet "$skipped" "$results/dotnet-skipped.tsv"
if (( skips_failed > 0 )); then failed=$((failed + skips_failed)); status=1; fi
echo "dotnet: $passed passed, $failed failed$skips_note" >"$results/dotnet.count"
exit "$status"
