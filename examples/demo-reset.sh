#!/usr/bin/env bash
# `make demo-reset`: clears the demo's embedded store (.gateway-data/state) so that a limit the demo exhausted stands in
# the way no longer. That store holds more than limits, and all of it goes; the script says what before it deletes it
# (the list below). Keeps the keys, the audit journal and the vault's credentials. The gateway must be stopped first
# (Ctrl-C in the `make run` terminal): it holds the state open.
#   GATEWAY_DATA_DIR (default .gateway-data) and GATEWAY_DEMO_ENV (default .gateway-data/demo.env) as for make run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${GATEWAY_DATA_DIR:-$root/.gateway-data}"
demo_env="${GATEWAY_DEMO_ENV:-$root/.gateway-data/demo.env}"
if [[ -f "$demo_env" ]]; then
  url="$(sed -n 's/^GATEWAY_URL=//p' "$demo_env" | tail -1)"
  if [[ -n "$url" ]] && curl -fsS -o /dev/null --max-time 2 "$url/readyz" 2>/dev/null; then
    echo "demo-reset: the demo gateway is still running at $url; stop make run (Ctrl-C), then run make demo-reset again" >&2
    exit 2
  fi
fi
if [[ -d "$data/state" ]]; then
  echo "demo-reset: clearing $data/state, the embedded store, all of it:"
  echo "  rate-limit windows, token budgets and nonces;"
  echo "  kill switches (agents and tenants);"
  echo "  approvals, pending and decided, with their warrants;"
  echo "  incidents, runs, delegated agents, MCP sessions and decision-token revocations;"
  echo "  the admin tokens issued with 'gatewayctl tokens issue' (bob's, the auditor's; the demo admin token stays)."
  echo "  Kept: the keys, the audit journal ($data/audit) and the vault's credentials."
  rm -rf "$data/state"
  echo "demo-reset: cleared; start the demo again with make run"
else
  echo "demo-reset: nothing to clear ($data/state does not exist)"
fi
