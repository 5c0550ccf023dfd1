#!/usr/bin/env bash
# The Python SDK's suite: unittest against the REAL gateway (sdk/testing/gateway.sh) on loopback.
#   sdk/python/run.sh [RESULTS_DIR]   writes RESULTS_DIR/sdk-python.count: "sdk-python: N passed, M failed"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../testing/suite.sh"
suite_results sdk-python "${1:-}"
cd "$here"
# Key-pair signing uses 'cryptography' (Debian's python3-cryptography): installed, retried, when a fresh machine lacks it.
if ! python3 -c 'import cryptography' 2>/dev/null; then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  "$here/../../build/retry.sh" $sudo apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive "$here/../../build/retry.sh" $sudo apt-get install -y -qq python3-cryptography >&2 || { suite_count sdk-python 0 1; exit 1; }
fi
status=0
PYTHONPATH="$here/src" PYTHONDONTWRITEBYTECODE=1 timeout --kill-after=10 400 python3 -m unittest discover -v -s tests -t . 2>&1 | tee "$log" || status=$?
ran="$(sed -nE 's/^Ran ([0-9]+) tests? in .*/\1/p' "$log" | tail -n1)"
failures="$(sed -nE 's/^FAILED \(.*failures=([0-9]+).*/\1/p' "$log" | tail -n1)"
errors="$(sed -nE 's/^FAILED \(.*errors=([0-9]+).*/\1/p' "$log" | tail -n1)"
skipped="$(sed -nE 's/.*skipped=([0-9]+).*/\1/p' "$log" | tail -n1)"
failed=$(( ${failures:-0} + ${errors:-0} ))
if [[ -z "$ran" ]]; then ran=0; failed=1; fi
passed=$(( ran - failed - ${skipped:-0} ))
if (( status != 0 && failed == 0 )); then failed=1; fi
# Each failed test named with why, then run once more on its own (build/rerun-failed.py, as for the .NET suites).
if (( failed > 0 )) && grep -q "^Ran " "$log" && PYTHONPATH="$here/src" PYTHONDONTWRITEBYTECODE=1 \
  python3 "$here/../../build/rerun-failed.py" sdk-python "$results" unittest "$log"; then
  passed=$((passed + failed)); failed=0
fi
unittest_skipped "$log" > "$results/sdk-python-skipped.tsv"
skipped_tests sdk-python "${skipped:-0}" "$results/sdk-python-skipped.tsv"
failed=$((failed + skips_failed))
suite_count sdk-python "$passed" "$failed" "$skips_note"
(( failed == 0 ))
