#!/usr/bin/env bash
# The Node SDK's suite: node:test against the REAL gateway (sdk/testing/gateway.sh) on loopback.
#   sdk/node/run.sh [RESULTS_DIR]   writes RESULTS_DIR/sdk-node.count: "sdk-node: N passed, M failed"
#   sdk/node/run.sh --install       installs the packages only (make test, beside the build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
install_only=0
[[ "${1:-}" == --install ]] && { install_only=1; shift; }
source "$here/../testing/suite.sh"
(( install_only )) || suite_results sdk-node "${1:-}"
cd "$here"
stamp="node_modules/.gamut-lock.sha256"
lock_sum="$(sha256sum package-lock.json | awk '{print $1}')"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sum" ]]; then
  if ! "$here/../../build/retry.sh" npm ci --no-audit --no-fund --loglevel=error >&2; then
    (( install_only )) && exit 1
    suite_count sdk-node 0 1; exit 1
  fi
  echo "$lock_sum" > "$stamp"
fi
(( install_only )) && exit 0
# The package a user installs: artifacts/package/gamut-agent-sdk-<version>.tgz (ESM + types).
: > "$log"
mkdir -p "$here/../../artifacts/package"
if ! npm pack --silent --pack-destination "$here/../../artifacts/package" >> "$log" 2>&1; then
  echo "sdk-node: npm pack failed" >&2; suite_count sdk-node 0 1; exit 1
fi
status=0
# A file that hangs (a test, a hook, or a handle left open) is cancelled after 240 s (the launcher alone
# may take 180 s) and named in the TAP output; the other files still report.
timeout --kill-after=10 800 node --test --test-reporter=tap --test-concurrency=2 --test-timeout=240000 --test-force-exit test/ 2>&1 | tee -a "$log" || status=$?
passed="$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log" | tail -n1)"
failed="$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$log" | tail -n1)"
cancelled="$(sed -nE 's/^# cancelled ([0-9]+)$/\1/p' "$log" | tail -n1)"
if [[ -z "$passed" || -z "$failed" ]]; then passed="${passed:-0}"; failed=1; fi
failed=$((failed + ${cancelled:-0}))
if (( status != 0 && failed == 0 )); then failed=1; fi
# Each failed test named with why, then its file run once more on its own (build/rerun-failed.py, as for the .NET suites).
if (( failed > 0 )) && [[ -n "$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log")" ]] \
  && python3 "$here/../../build/rerun-failed.py" sdk-node "$results" tap "$log" -- --test-timeout=240000; then
  passed=$((passed + failed)); failed=0
fi
# Skipped tests and describe blocks, with why (node's own "# skipped" total leaves a skipped describe out).
tap_skipped "$log" > "$results/sdk-node-skipped.tsv"
skipped_tests sdk-node "$(wc -l < "$results/sdk-node-skipped.tsv")" "$results/sdk-node-skipped.tsv"
failed=$((failed + skips_failed))
suite_count sdk-node "$passed" "$failed" "$skips_note"
(( failed == 0 ))
