# Sourced by the suites' runners (build/test-dotnet.sh, tests/node/run.sh, sdk/<lang>/run.sh): what a skipped test counts as.
# Outside CI a skip stays a skip: each one is named with why, and the suite's count line ends with "(N skipped)". In CI
# (CI=true or CI=1: what CI runners set, and .ci/run exports) every skipped test counts as failed: a dependency missing
# there (chromium, a TLS-capable redis-server, httpx) would otherwise drop whole journeys while the line says 0 failed.
# tests/loadtests/suite.py does the same in Python.
#
#   skips_in_ci                       true when CI=true (or 1)
#   skipped_tests SUITE COUNT [LIST]  LIST: a file of "test<TAB>why" lines, one a skipped test. Prints the skipped tests
#                                     and why; sets skips_failed (to add to the suite's failed: COUNT in CI, else 0) and
#                                     skips_note (the count line's ending: "" when COUNT is 0).
#
# The "test<TAB>why" lines of the skipped tests, by runner:
#   tap_skipped LOG                   node --test's TAP: "ok N - name # SKIP why", a skipped describe block included (node's
#                                     own "# skipped" total leaves a skipped describe out)
#   unittest_skipped LOG              python -m unittest -v: "test (id) ... skipped 'why'" (with a docstring, the test's
#                                     id is on the line before)
#   trx_skipped DIR                   dotnet test's .trx files under DIR: outcome NotExecuted (their notExecuted counter
#                                     stays 0 for a skip)

skips_in_ci() { [[ "${CI:-}" == true || "${CI:-}" == 1 ]]; }

skipped_tests() {
  local suite="$1" count="${2:-0}" list="${3:-}"
  skips_failed=0
  skips_note=""
  (( count > 0 )) || return 0
  if skips_in_ci; then
    skips_failed="$count"
    skips_note=" ($count skipped, counted as failed: CI=$CI)"
    echo "$suite: $count test(s) skipped, each counted as failed (CI=$CI: in CI a test that did not run is a failure):"
  else
    skips_note=" ($count skipped)"
    echo "$suite: $count test(s) skipped (not failures outside CI; with CI=true each counts as failed):"
  fi
  if [[ -n "$list" && -s "$list" ]]; then
    awk -F'\t' '{ print "  skipped: " $1 ": " ($2 == "" ? "(no reason given)" : $2) }' "$list"
  else
    echo "  (the runner named none; see the suite's log)"
  fi
}

tap_skipped() {
  sed -nE 's/^[[:space:]]*(not )?ok [0-9]+ - (.*[^\\]) # SKIP ?(.*)$/\2\t\3/p' "$1"
}

unittest_skipped() {
  awk '/ \.\.\. skipped / {
    name = $0; sub(/ \.\.\. skipped .*/, "", name); if (name !~ /\)$/) name = prev
    why = $0; sub(/.* \.\.\. skipped /, "", why); why = substr(why, 2, length(why) - 2)
    print name "\t" why }
    { prev = $0 }' "$1"
}

trx_skipped() {
  python3 - "$1" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in sorted(glob.glob(f"{sys.argv[1]}/**/*.trx", recursive=True)):
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        if result.get("outcome") == "NotExecuted":
            message = result.find(".//t:ErrorInfo/t:Message", ns)
            why = " ".join((message.text or "").split()) if message is not None else ""
            print(f"{result.get('testName')}\t{why}")
PY
}
