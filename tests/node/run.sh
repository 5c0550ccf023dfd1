#!/usr/bin/env bash
# Node suite: the official OpenAI Node client and the official MCP TypeScript SDK against the REAL
# gateway binary (started per test file on a free loopback port, with local upstreams), and the
# OpenAI client against `make run` itself (examples/run-demo.sh with the demo upstreams, free ports).
#
#   tests/node/run.sh [RESULTS_DIR]      writes RESULTS_DIR/node.count: "node: N passed, M failed"
#   tests/node/run.sh --install          installs the packages only (make test, beside the build)
#
# Installs the pinned packages (package-lock.json) into tests/node/node_modules (git-ignored) when the
# lock changed; builds the gateway with `make build` when no build output is found (GATEWAY_DLL
# overrides the dll). Exits non-zero when a test failed or the run crashed (counted as 1 failed). A skipped test or
# describe block (chromium missing) is named with why in the log's last lines and counted as failed under CI=true
# (build/skipped-tests.sh); elsewhere the count line ends with "(N skipped)".
set -euo pipefail
source "$(dirname "$0")/../../build/skipped-tests.sh"
# The gateways these tests start live seconds to a minute: profile-guided tiering would JIT their hot methods a third time
# for speed they never reach (off: this suite took 241 and 260 s of CPU against 273 on; the .NET suites, build/test-dotnet.sh).
export DOTNET_TieredPGO="${DOTNET_TieredPGO:-0}"
install_only=0
[[ "${1:-}" == --install ]] && { install_only=1; shift; }
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
results="${1:-$root/artifacts/test-results}"
mkdir -p "$results"
results="$(cd "$results" && pwd)"
log="$results/node.log"

fail_setup() {
  echo "node: setup failed: $*" >&2
  (( install_only )) && exit 1
  echo "node: 0 passed, 1 failed" > "$results/node.count"
  exit 1
}

command -v node >/dev/null 2>&1 || fail_setup "node is required (build/install-test-deps.sh installs it)"
command -v npm >/dev/null 2>&1 || fail_setup "npm is required"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
(( node_major >= 20 )) || fail_setup "node >= 20 is required, found $(node --version)"

# Dependencies: reinstall only when package-lock.json changed since the last install.
cd "$here"
stamp="node_modules/.gateway-lock.sha256"
lock_sum="$(sha256sum package-lock.json | awk '{print $1}')"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sum" ]]; then
  "$root/build/retry.sh" npm ci --no-audit --no-fund --loglevel=error >&2 || fail_setup "npm ci failed"
  echo "$lock_sum" > "$stamp"
fi
(( install_only )) && exit 0

# The gateway's build output (make build: Release, default artifacts dir).
if { [[ -z "${GATEWAY_DLL:-}" ]] && ! compgen -G "$root/artifacts/bin/Gateway.Proxy/*/gateway.dll" >/dev/null; } \
  || [[ ! -f "$root/artifacts/bin/DemoUpstreams/release/demo-upstreams.dll" ]]; then
  echo "node: no gateway build found; running make build" >&2
  make -C "$root" build >&2 || fail_setup "make build failed"
fi
command -v dotnet >/dev/null 2>&1 || fail_setup "dotnet is required to run the gateway"

status=0
# A file that hangs (a test, a hook, or a handle left open) is cancelled after 150 s and named in the
# TAP output; the other files still report, so one hang is one failure, not a suite without a summary.
timeout --kill-after=10 400 node --test --test-reporter=tap --test-concurrency=2 --test-timeout=150000 --test-force-exit test/ 2>&1 | tee "$log" || status=$?

summary() { sed -nE "s/^# $1 ([0-9]+)\$/\\1/p" "$log" | tail -n 1; }
passed="$(summary pass)"
failed="$(summary fail)"
cancelled="$(summary cancelled)"
if [[ -z "$passed" || -z "$failed" ]]; then
  # No summary: the runner crashed or was killed.
  echo "node: the test run ended without a summary (exit $status); counted as 1 failed" >&2
  passed="${passed:-0}"
  failed=1
fi
failed=$((failed + ${cancelled:-0}))
if (( status != 0 && failed == 0 )); then
  failed=1
fi
# Each failed test named with why, then its file run once more on its own (build/rerun-failed.py, as for the .NET suites).
if (( failed > 0 )) && [[ -n "$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log")" ]] \
  && python3 "$root/build/rerun-failed.py" node "$results" tap "$log" -- --test-timeout=150000; then
  passed=$((passed + failed)); failed=0
fi
# Skipped tests and describe blocks, with why (node's own "# skipped" total leaves a skipped describe out).
tap_skipped "$log" > "$results/node-skipped.tsv"
skipped_tests node "$(wc -l < "$results/node-skipped.tsv")" "$results/node-skipped.tsv"
failed=$((failed + skips_failed))
echo "node: ${passed} passed, ${failed} failed${skips_note}" | tee "$results/node.count"
(( failed == 0 ))
