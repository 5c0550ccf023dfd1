#!/usr/bin/env bash
# Demo suite: what a newcomer does first, on free loopback ports so that it never collides with a
# gateway or demo already running on this machine.
#   1. `make run` with GATEWAY_PORT and every DEMO_*_PORT set becomes ready (the ports it would take by
#      default may well be in use here: that is the point)
#   2. examples/first-win.sh passes against it, and
#   3. passes again, unchanged (the first win can be pasted twice), this time approving in the console
#   4. a second `make run` on a port in use stops with an error naming GATEWAY_PORT
#   5. gatewayctl refuses a GATEWAY_URL that the demo file contradicts, and sends nothing
#   6. /metrics on GATEWAY_METRICS_PORT parses as Prometheus text with the gateway's counters
#   7. gatewayctl packs as a .NET tool, installs from artifacts/nupkg and runs
#
#   tests/demo/run.sh [RESULTS_DIR]      writes RESULTS_DIR/demo.count: "demo: N passed, M failed"
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
results="$(mkdir -p "${1:-$root/artifacts/test-results}" && cd "${1:-$root/artifacts/test-results}" && pwd)"
work="$(mktemp -d -t gateway-demo-test.XXXXXX)"
passed=0
failed=0
demo_pid=""

# make's process group (it runs under setsid): stopping it stops run-demo.sh, the gateway and the upstreams.
stop_demo() {
  [[ -n "$demo_pid" ]] || return 0
  kill -TERM -- "-$demo_pid" 2>/dev/null || true
  wait "$demo_pid" 2>/dev/null || true
  demo_pid=""
}
finish() {
  stop_demo
  echo "demo: $passed passed, $failed failed" > "$results/demo.count"
  cat "$results/demo.count"
  rm -rf "$work"
}
trap finish EXIT

ok() { passed=$((passed + 1)); echo "ok   $*"; }
not_ok() { failed=$((failed + 1)); echo "FAIL $*"; }

# Free loopback ports (build/free-port.sh).
source "$root/build/free-port.sh"

export GATEWAY_DEMO_ENV="$work/demo.env" GATEWAY_DATA_DIR="$work/data"
for name in GATEWAY_PORT GATEWAY_METRICS_PORT DEMO_OPENAI_PORT DEMO_CRM_PORT DEMO_TICKETS_PORT DEMO_PAYMENTS_PORT \
  DEMO_MAIL_PORT DEMO_BUILDHOST_PORT DEMO_DOCS_PORT DEMO_CONTEXT_PORT; do
  free_port port
  export "$name=$port"
done
unset GATEWAY_URL GATEWAY_ADMIN_TOKEN

# 1. make run on the chosen ports, until it says it is ready.
(cd "$root" && exec setsid make --no-print-directory run) >"$work/run.log" 2>&1 &
demo_pid=$!
ready=""
for _ in $(seq 1 1200); do
  if grep -q "Gateway ready in" "$work/run.log" 2>/dev/null; then ready=1; break; fi
  kill -0 "$demo_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -n "$ready" ]]; then
  ok "make run with GATEWAY_PORT=$GATEWAY_PORT: $(grep -o 'Gateway ready in [0-9]* ms' "$work/run.log")"
else
  not_ok "make run with GATEWAY_PORT=$GATEWAY_PORT did not become ready:"
  tail -40 "$work/run.log"
  exit 1
fi

# 2 and 3. The first win, twice in a row against the same gateway: bob approves with gatewayctl, then in the console.
for run in 1 2; do
  approve_in=gatewayctl; [[ $run == 2 ]] && approve_in=console
  if FIRST_WIN_APPROVE_IN=$approve_in "$root/examples/first-win.sh" >"$work/first-win-$run.log" 2>&1; then
    ok "examples/first-win.sh, run $run (approved with $approve_in)"
  else
    not_ok "examples/first-win.sh, run $run:"
    tail -30 "$work/first-win-$run.log"
  fi
done

# 4. A port in use is an error that names the variable to set.
set +e
free_port second_metrics_port
GATEWAY_DEMO_ENV="$work/second.env" GATEWAY_DATA_DIR="$work/second" GATEWAY_METRICS_PORT="$second_metrics_port" \
  "$root/examples/run-demo.sh" >"$work/second.log" 2>&1
status=$?
set -e
if [[ $status -eq 2 ]] && grep -q "port $GATEWAY_PORT (GATEWAY_PORT) is already in use; set GATEWAY_PORT" "$work/second.log"; then
  ok "a second make run on port $GATEWAY_PORT names GATEWAY_PORT"
else
  not_ok "a second make run on a port in use (exit $status):"
  cat "$work/second.log"
fi

# 5. gatewayctl and a GATEWAY_URL that the demo file contradicts.
cli="$root/artifacts/bin/Gateway.Cli/release/gatewayctl.dll"
set +e
free_port nothing_port
GATEWAY_URL="http://127.0.0.1:$nothing_port" GATEWAY_ADMIN_TOKEN=demo-admin-token-do-not-use-in-production \
  dotnet "$cli" agents suspend demo-agent --tenant demo >"$work/mismatch.out" 2>"$work/mismatch.err"
status=$?
set -e
if [[ $status -eq 6 ]] && grep -q "target_mismatch" "$work/mismatch.err" && [[ ! -s "$work/mismatch.out" ]]; then
  ok "gatewayctl refuses a GATEWAY_URL that $GATEWAY_DEMO_ENV contradicts"
else
  not_ok "gatewayctl with a contradicted GATEWAY_URL (exit $status):"
  cat "$work/mismatch.err" "$work/mismatch.out"
fi
if GATEWAY_ADMIN_TOKEN=demo-admin-token-do-not-use-in-production dotnet "$cli" agents status demo-agent --tenant demo 2>&1 | grep -q "suspended=no"; then
  ok "the refused suspension never reached the gateway"
else
  not_ok "demo-agent's status after the refused suspension"
fi

# 6. /metrics on its own port, parsed as Prometheus text.
if curl -fsS "http://127.0.0.1:$GATEWAY_METRICS_PORT/metrics" >"$work/metrics.txt" \
  && awk '
      /^#/ || NF == 0 { next }
      { value = $NF; if (value !~ /^([-+]?[0-9.]+([eE][-+]?[0-9]+)?|[-+]Inf|NaN)$/) { bad++ } }
      /^gateway_decisions_total/ { decisions++ }
      /^gateway_requests_refused_total/ { refused++ }
      END { exit (bad == 0 && decisions > 0 && refused > 0) ? 0 : 1 }' "$work/metrics.txt"; then
  ok "/metrics on GATEWAY_METRICS_PORT parses, with gateway_decisions_total and gateway_requests_refused_total"
else
  not_ok "/metrics on GATEWAY_METRICS_PORT:"
  head -20 "$work/metrics.txt" 2>/dev/null || true
fi

stop_demo

# 7. gatewayctl as a .NET tool: packed, installed from artifacts/nupkg, and run.
if (cd "$root" && make --no-print-directory tool >"$work/tool.log" 2>&1) \
  && dotnet tool install --tool-path "$work/tools" --add-source "$root/artifacts/nupkg" gatewayctl >>"$work/tool.log" 2>&1 \
  && "$work/tools/gatewayctl" completion bash | grep -q "complete -o default -F _gatewayctl_complete gatewayctl"; then
  ok "gatewayctl installs with dotnet tool install --add-source ./artifacts/nupkg and runs"
else
  not_ok "gatewayctl as a .NET tool:"
  tail -20 "$work/tool.log"
fi

[[ $failed -eq 0 ]]
