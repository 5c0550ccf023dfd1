#!/usr/bin/env bash
# The .NET SDK's suite: xunit against the REAL gateway (sdk/testing/gateway.sh) on loopback, and the pack.
#   sdk/dotnet/run.sh [RESULTS_DIR]   writes RESULTS_DIR/sdk-dotnet.count: "sdk-dotnet: N passed, M failed"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../testing/suite.sh"
suite_results sdk-dotnet "${1:-}"
cd "$here"
# The restore is the only registry fetch here: retried, so a slow registry does not fail the suite.
if ! "$here/../../build/retry.sh" dotnet restore tests/Gamut.Agent.Tests/Gamut.Agent.Tests.csproj -v:q > "$log" 2>&1 \
  || ! dotnet build tests/Gamut.Agent.Tests/Gamut.Agent.Tests.csproj -c Release --no-restore -nologo -v:q >> "$log" 2>&1; then
  cat "$log" >&2; suite_count sdk-dotnet 0 1; exit 1
fi
if ! dotnet pack src/Gamut.Agent/Gamut.Agent.csproj -c Release --no-build -nologo -v:q >> "$log" 2>&1; then
  echo "sdk-dotnet: dotnet pack failed" >&2; tail -n 30 "$log" >&2; suite_count sdk-dotnet 0 1; exit 1
fi
status=0
# The trx names each skipped test with why (the console's minimal lines give no reason).
trx="$results/sdk-dotnet-trx"
rm -rf "$trx"
timeout --kill-after=10 400 dotnet test tests/Gamut.Agent.Tests/Gamut.Agent.Tests.csproj -c Release --no-build -nologo -v:q \
  --logger "console;verbosity=minimal" --logger trx --results-directory "$trx" 2>&1 | tee -a "$log" || status=$?
line="$(grep -E '(Passed|Failed|Skipped)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$log" | tail -n1 || true)"
failed="$(sed -nE 's/.*Failed: +([0-9]+), Passed.*/\1/p' <<< "$line")"
passed="$(sed -nE 's/.*Passed: +([0-9]+),.*/\1/p' <<< "$line")"
skipped="$(sed -nE 's/.*Skipped: +([0-9]+),.*/\1/p' <<< "$line")"
if [[ -z "$passed" || -z "$failed" ]]; then passed="${passed:-0}"; failed=1; fi
if (( status != 0 && failed == 0 )); then failed=1; fi
# Each failed test named with why, then run once more on its own (build/rerun-failed.py, as for the gateway's suites).
if (( failed > 0 )) && [[ -n "$line" ]] && python3 "$here/../../build/rerun-failed.py" sdk-dotnet "$results" trx "$trx"; then
  passed=$((passed + failed)); failed=0
fi
trx_skipped "$trx" > "$results/sdk-dotnet-skipped.tsv" || true
skipped_tests sdk-dotnet "${skipped:-0}" "$results/sdk-dotnet-skipped.tsv"
failed=$((failed + skips_failed))
suite_count sdk-dotnet "$passed" "$failed" "$skips_note"
(( failed == 0 ))
