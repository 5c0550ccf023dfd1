#!/usr/bin/env bash
# `make run`: the gateway with the embedded store and the example bundle, plus stand-ins for the
# example's upstreams. Everything here is demo-only: Development keys are generated into the data
# directory, and the admin token below is public.
#
# Every port comes from one place, an environment value with a default:
#   GATEWAY_PORT (8080)            the gateway (agents, admin API, health)
#   GATEWAY_METRICS_PORT (9464)    Prometheus /metrics
#   DEMO_OPENAI_PORT (9100)  DEMO_CRM_PORT (9110)  DEMO_TICKETS_PORT (9120)  DEMO_PAYMENTS_PORT (9130)
#   DEMO_MAIL_PORT (9140)  DEMO_BUILDHOST_PORT (9150)  DEMO_DOCS_PORT (9200)  DEMO_CONTEXT_PORT (9300)
# A port in use stops the demo with the name of the variable to set. The values in use are written to
# GATEWAY_DEMO_ENV (default .gateway-data/demo.env, git-ignored: the tree stays clean), which
# examples/sign.sh, examples/first-win.sh, the example agents, gatewayctl and the README read.
# GATEWAY_DATA_DIR (default .gateway-data) holds keys, audit journal, vault and the store's state
# (`make demo-reset` deletes that state, and says what first: limits, nonces, kill switches, approvals, issued tokens…).
# The gateway also reads Gateway__* environment values (ASP.NET Core configuration), e.g.
# Gateway__AccessTokens__Lifetime=00:00:30 for 30-second MCP access tokens (default 5 minutes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/artifacts/bin"
gateway="$bin/Gateway.Proxy/release/gateway.dll"
upstreams="$bin/DemoUpstreams/release/demo-upstreams.dll"
for dll in "$gateway" "$upstreams"; do
  [[ -f "$dll" ]] || { echo "run-demo: $dll is missing; run 'make build' first" >&2; exit 1; }
done

# name default (order matters only for messages)
ports=(
  GATEWAY_PORT 8080
  GATEWAY_METRICS_PORT 9464
  DEMO_OPENAI_PORT 9100
  DEMO_CRM_PORT 9110
  DEMO_TICKETS_PORT 9120
  DEMO_PAYMENTS_PORT 9130
  DEMO_MAIL_PORT 9140
  DEMO_BUILDHOST_PORT 9150
  DEMO_DOCS_PORT 9200
  DEMO_CONTEXT_PORT 9300
)

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

seen=" "
for ((i = 0; i < ${#ports[@]}; i += 2)); do
  name="${ports[i]}" default="${ports[i + 1]}"
  value="${!name:-$default}"
  if ! [[ "$value" =~ ^[0-9]+$ ]] || ((value < 1 || value > 65535)); then
    echo "run-demo: $name='$value' is not a TCP port (1-65535)" >&2; exit 2
  fi
  if [[ "$seen" == *" $value "* ]]; then
    echo "run-demo: $name=$value repeats a port already used by another variable; give each its own port" >&2; exit 2
  fi
  if port_in_use "$value"; then
    echo "run-demo: port $value ($name) is already in use; set $name to a free port, e.g. $name=$((value + 1)) make run" >&2
    exit 2
  fi
  seen+="$value "
  export "$name=$value"
done

data="${GATEWAY_DATA_DIR:-$root/.gateway-data}"
demo_env="${GATEWAY_DEMO_ENV:-$root/.gateway-data/demo.env}"
gateway_url="http://127.0.0.1:$GATEWAY_PORT"
mkdir -p "$data" "$(dirname "$demo_env")"

# The bundle names the default upstream ports; other ports get a rendered copy (which `make run` renders
# again on every start: edit examples/bundle, not the copy).
bundle="$root/examples/bundle"
declare -A defaults=([DEMO_OPENAI_PORT]=9100 [DEMO_CRM_PORT]=9110 [DEMO_TICKETS_PORT]=9120 [DEMO_PAYMENTS_PORT]=9130
  [DEMO_MAIL_PORT]=9140 [DEMO_BUILDHOST_PORT]=9150 [DEMO_DOCS_PORT]=9200 [DEMO_CONTEXT_PORT]=9300)
rewrite=()
for name in "${!defaults[@]}"; do
  [[ "${!name}" == "${defaults[$name]}" ]] || rewrite+=(-e "s#127\.0\.0\.1:${defaults[$name]}/#127.0.0.1:${!name}/#g")
done
if ((${#rewrite[@]})); then
  rendered="$data/demo-bundle"
  rm -rf "$rendered" && mkdir -p "$rendered"
  cp -R "$bundle/." "$rendered/"
  for file in "$rendered"/*.yaml; do sed -i "${rewrite[@]}" "$file"; done
  bundle="$rendered"
fi

# The demo's targets, for sign.sh, first-win.sh and gatewayctl (which refuses a GATEWAY_URL this file contradicts).
{
  echo "# Written by examples/run-demo.sh (make run): the running demo's targets. Demo only."
  echo "GATEWAY_URL=$gateway_url"
  echo "GATEWAY_CONSOLE_URL=$gateway_url/console"
  echo "GATEWAY_METRICS_URL=http://127.0.0.1:$GATEWAY_METRICS_PORT/metrics"
  echo "# The bundle the gateway runs (examples/bundle, or its copy with the upstream ports above): offline commands"
  echo "# (gatewayctl policy validate|test|simulate) on this directory print the running gateway's policy digest."
  echo "GATEWAY_DEMO_BUNDLE=$bundle"
  for ((i = 0; i < ${#ports[@]}; i += 2)); do echo "${ports[i]}=${!ports[i]}"; done
  echo "# The demo agent's five values (agent protocol): all an agent is ever given."
  echo "GAMUT_BASE_URL=$gateway_url"
  echo "GAMUT_TENANT_SLUG=demo"
  echo "GAMUT_WORKSPACE_ID=ws-demo"
  echo "GAMUT_AGENT_ID=demo-agent"
  echo "GAMUT_BYO_AGENT_SECRET=demo-secret-do-not-use-in-production-0123456789"
} > "$demo_env.tmp"
mv "$demo_env.tmp" "$demo_env"

# The bundle's rogue agent (the incident playbooks' demo) reads its runtime secret from the environment: a public demo
# value unless one is given, so that every start has all its agents and warns about none.
export ROGUE_AGENT_SECRET="${ROGUE_AGENT_SECRET:-rogue-secret-do-not-use-in-production-0123456789}"

demo_admin_token="${GATEWAY_DEMO_ADMIN_TOKEN:-demo-admin-token-do-not-use-in-production}"
token_hash="$(printf '%s' "$demo_admin_token" | sha256sum | awk '{print $1}')"
upstreams_log="$data/demo-upstreams.log"

dotnet "$upstreams" --urls "" >"$upstreams_log" 2>&1 &
upstreams_pid=$!
gateway_pid=""
stop() {
  [[ -z "$gateway_pid" ]] || kill "$gateway_pid" 2>/dev/null || true
  kill "$upstreams_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

# The gateway starts once the demo upstreams answer, so that its first request finds them (readiness, not a pause).
for _ in $(seq 1 600); do
  if ! kill -0 "$upstreams_pid" 2>/dev/null; then
    echo "run-demo: the demo upstreams stopped:" >&2; cat "$upstreams_log" >&2; exit 1
  fi
  if curl -sS -o /dev/null "http://127.0.0.1:$DEMO_OPENAI_PORT/" 2>/dev/null \
    && curl -sS -o /dev/null "http://127.0.0.1:$DEMO_CONTEXT_PORT/" 2>/dev/null; then break; fi
  sleep 0.1
done

echo "Demo upstreams on 127.0.0.1 ports $DEMO_OPENAI_PORT-$DEMO_CONTEXT_PORT (log: $upstreams_log)"
echo "Gateway on $gateway_url, /metrics on http://127.0.0.1:$GATEWAY_METRICS_PORT/metrics — demo admin token: $demo_admin_token"
echo "Targets written to $demo_env"
echo "Bundle: $bundle (offline, e.g. 'gatewayctl policy validate $bundle', prints the digests this gateway runs)"
echo "Console: $gateway_url/console (Development: sign in with an admin token, e.g. an approver token from 'gatewayctl tokens issue')"
echo "MCP clients (VS Code, the Inspector): $gateway_url/mcp, signed in with the demo admin token (docs/mcp.md, \"Connect your IDE\")"
cd "$root"
started=$(date +%s%N)
# The demo keeps its audit journal on file (the embedded default is the store's own journal), so that make demo-reset
# can clear the store and keep the trail.
dotnet "$gateway" --environment Development --urls "$gateway_url" \
  --contentRoot "$root" \
  --Gateway:Policy:BundlePath="$bundle" \
  --Gateway:DataDirectory="$data" \
  --Gateway:Audit:Sink=file \
  --Gateway:Admin:BootstrapTokenSha256="$token_hash" \
  --Gateway:Metrics:Port="$GATEWAY_METRICS_PORT" \
  --Gateway:Metrics:Host=127.0.0.1 \
  --Logging:LogLevel:Microsoft.AspNetCore=Warning &
gateway_pid=$!

ready=""
for _ in $(seq 1 600); do
  if ! kill -0 "$gateway_pid" 2>/dev/null; then break; fi
  if ! kill -0 "$upstreams_pid" 2>/dev/null; then
    echo "run-demo: the demo upstreams stopped:" >&2; cat "$upstreams_log" >&2; exit 1
  fi
  if curl -fsS -o /dev/null "$gateway_url/readyz" 2>/dev/null; then ready=1; break; fi
  sleep 0.1
done
if [[ -z "$ready" ]]; then
  echo "run-demo: the gateway did not become ready" >&2
  exit 1
fi
echo "Gateway ready in $(( ($(date +%s%N) - started) / 1000000 )) ms. Ctrl-C stops it."
wait "$gateway_pid"
