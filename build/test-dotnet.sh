#!/usr/bin/env bash
# The .NET suites (`make test-dotnet`): every test project of Gateway.sln, then one more run of the tests
# that failed, and one count file.
#
#   build/test-dotnet.sh RESULTS_DIR
#
# A test that fails and then passes when run again on its own is counted as passed and listed as flaky
# (RESULTS_DIR/dotnet-flaky.txt and the log's last lines): a flaky test is a bug to fix, not a result to
# hide, and the list says which. A test that fails twice is a failure; a test host that crashed (no
# summary) is a failure too. A skipped test is named with why (RESULTS_DIR/dotnet-skipped.tsv and the log's last lines)
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

# The failed tests, by assembly: "dll<TAB>Namespace.Class.Method" (a theory's cases run again together).
failures="$results/dotnet-failed.tsv"
python3 - "$trx" >"$failures" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
seen = set()
for path in glob.glob(f"{sys.argv[1]}/**/*.trx", recursive=True):
    root = ET.parse(path).getroot()
    tests = {}
    for test in root.iterfind(".//t:UnitTest", ns):
        method = test.find("t:TestMethod", ns)
        if method is not None:  # storage is lower-cased; the method's codeBase keeps the path's case
            tests[test.get("id")] = (method.get("codeBase") or test.get("storage"), method.get("className") + "." + method.get("name"))
    for result in root.iterfind(".//t:UnitTestResult", ns):
        if result.get("outcome") == "Failed" and result.get("testId") in tests:
            dll, name = tests[result.get("testId")]
            if (dll, name) not in seen:
                seen.add((dll, name))
                print(f"{dll}\t{name}")
                # Why it failed, on stderr (the log's last lines are often all a CI report keeps).
                message = result.find(".//t:ErrorInfo/t:Message", ns)
                text = " ".join((message.text or "").split()) if message is not None else "(no message)"
                print(f"  {name.rsplit('.', 1)[-1]}: {text[:600]}", file=sys.stderr)
PY

flaky=0
still=0
: >"$results/dotnet-flaky.txt"
if [[ "$status" != 0 && "$aborted" == 0 && -s "$failures" ]] && (( $(wc -l <"$failures") <= 10 )); then
  echo
  echo "dotnet: $(wc -l <"$failures") test(s) failed; each runs once more on its own:"
  while IFS=$'\t' read -r dll name; do
    log="$results/dotnet-retry-${name##*.}.log"
    if "$dotnet" test "$dll" --filter "FullyQualifiedName=$name" --logger "console;verbosity=minimal" >"$log" 2>&1 \
        && grep -qE "Passed!.*Failed: *0," "$log"; then
      echo "  flaky (failed, then passed): $name"
      echo "$name" >>"$results/dotnet-flaky.txt"
      flaky=$((flaky + 1))
    else
      echo "  failed again: $name (see $log)"
      # The second failure's message, so that the run's last lines say why.
      sed -n '/Error Message:/,/Stack Trace:/p' "$log" | head -n 12 | sed 's/^/    /'
      still=$((still + 1))
    fi
  done <"$failures"
  # A theory counts each case; its cases ran again together: count the flaky ones by the summary lines.
  if (( still == 0 )); then
    passed=$((passed + failed)); failed=0; status=0
  fi
fi
(( aborted )) && failed=$((failed + 1))
trx_skipped "$trx" >"$results/dotnet-skipped.tsv"
skipped_tests dotnet "$skipped" "$results/dotnet-skipped.tsv"
if (( skips_failed > 0 )); then failed=$((failed + skips_failed)); status=1; fi
echo "dotnet: $passed passed, $failed failed$skips_note" >"$results/dotnet.count"
(( flaky > 0 )) && echo "dotnet: $flaky flaky test(s), listed in $results/dotnet-flaky.txt"
exit "$status"
