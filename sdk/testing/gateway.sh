#!/usr/bin/env bash
# The one gateway launcher the three SDK suites share: the REAL gateway binary (make build) on a free
# loopback port, with the embedded store and a copy of examples/bundle whose upstreams all point at ONE
# test upstream (the suite's own real server: Kestrel, Node http or Python http.server).
#
#   sdk/testing/gateway.sh start WORKDIR UPSTREAM_BASE   e.g. UPSTREAM_BASE=http://127.0.0.1:41234
#   sdk/testing/gateway.sh stop WORKDIR
#
# start prints (and writes to WORKDIR/gateway.env) the values a suite needs, as NAME=value lines:
#   GAMUT_TEST_BASE_URL      the gateway
#   GAMUT_TEST_ADMIN_TOKEN   an admin token for the test (credentials, approvals, kill switches)
#   GAMUT_TEST_ROGUE_SECRET  the runtime secret of the bundle's rogue-agent (revoked by the tests)
#   GAMUT_TEST_DECISION_SIGNING_KEY, GAMUT_TEST_SERVICE_KEY   the gateway's two keys (hex), for an upstream
#                            that verifies decision tokens and webhook signatures as a real one would
# The bundle's upstream http://127.0.0.1:9110/crm becomes UPSTREAM_BASE/crm, and so on for every port.
# demo-agent's rate limit becomes 1000 a minute (the tenant's own limit) instead of 120: every test of a suite shares
# its one gateway, and a full .NET or Python run makes about 120 demo-agent requests, most in one clock minute (no SDK
# test relies on that limit; the gateway's own tests cover rate limiting).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

locate_dll() {
  if [[ -n "${GATEWAY_DLL:-}" ]]; then echo "$GATEWAY_DLL"; return; fi
  local dll
  for dll in "$root"/artifacts/bin/Gateway.Proxy/release/gateway.dll "$root"/artifacts/bin/Gateway.Proxy/*/gateway.dll; do
    [[ -f "$dll" ]] && { echo "$dll"; return; }
  done
  echo "gateway.sh: no gateway build under artifacts/bin/Gateway.Proxy; run 'make build'" >&2
  return 1
}

# Free loopback ports (build/free-port.sh). Two suites choosing the same port are caught by the
# readiness loop's retry.
source "$root/build/free-port.sh"

# The remote A2A agent the SDKs' A2A tests reach (docs/a2a.md): the suite's upstream serves its card at
# /.well-known/agent-card.json and its JSON-RPC endpoint at /a2a. demo-agent may use summarize and wire (external:
# held for approval by the bundle's external-gate), not translate. Only the test's copy of the bundle changes.
add_a2a_helper() {
  local file="$1" upstream="$2"
  grep -q '^catalog:$' "$file" && grep -q '^      - { tool: workspace }$' "$file" \
    || { echo "gateway.sh: examples/bundle/demo.yaml no longer has the lines the A2A helper is added after" >&2; return 1; }
  sed -i -E \
    -e "/^catalog:\$/a\\  - { name: helper, kind: a2a, action_type: read, target_system: helper, upstream: ${upstream}/a2a, credential: none }\\n  - { name: helper.summarize, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: summarize }\\n  - { name: helper.translate, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: translate }\\n  - { name: helper.wire, kind: a2a_skill, action_type: external, target_system: helper, connector: helper, a2a_skill: wire }" \
    -e "/^      - \{ tool: workspace \}\$/a\\      - { tool: helper }\\n      - { tool: helper.summarize }\\n      - { tool: helper.wire }" \
    "$file"
}

# demo-agent's limit (120 requests a minute in the bundle), which a whole suite's requests come near: 1000, the tenant's.
raise_demo_rate_limit() {
  local file="$1" line='^  - \{ scope: agent, agent: demo-agent, limit: [0-9]+, window: 1m \}$'
  grep -qE "$line" "$file" \
    || { echo "gateway.sh: examples/bundle/demo.yaml no longer has demo-agent's rate limit a minute" >&2; return 1; }
  sed -i -E "s/${line}/  - { scope: agent, agent: demo-agent, limit: 1000, window: 1m }/" "$file"
}

start() {
  local work="$1" upstream="${2%/}"
  mkdir -p "$work"
  work="$(cd "$work" && pwd)"
  local dll; dll="$(locate_dll)"
  rm -rf "$work/bundle" "$work/data"
  cp -r "$root/examples/bundle" "$work/bundle"
  sed -i -E "s#http://127\.0\.0\.1:(9[0-9]{3})#${upstream}#g" "$work/bundle"/*.yaml
  add_a2a_helper "$work/bundle/demo.yaml" "$upstream"
  raise_demo_rate_limit "$work/bundle/demo.yaml"

  local admin_token rogue_secret decision_key service_key port
  admin_token="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  rogue_secret="rogue-$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  decision_key="$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')"
  service_key="$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')"
  local token_hash; token_hash="$(printf '%s' "$admin_token" | sha256sum | awk '{print $1}')"
  local base="" attempt
  for attempt in 1 2 3; do
    free_port port
    base="http://127.0.0.1:$port"
    (
      # The caller's configuration must not change the gateway under test.
      for name in $(env | sed -nE 's/^((Gateway__|GAMUT_|ASPNETCORE_)[^=]*)=.*/\1/p'); do unset "$name"; done
      export ROGUE_AGENT_SECRET="$rogue_secret" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
      export DECISION_SIGNING_KEY="$decision_key" GATEWAY_SERVICE_KEY="$service_key"
      cd "$work"
      exec dotnet "$dll" --environment Development --urls "$base" \
        --Gateway:Policy:BundlePath="$work/bundle" \
        --Gateway:DataDirectory="$work/data" \
        --Gateway:Admin:BootstrapTokenSha256="$token_hash"
    ) >"$work/gateway.log" 2>&1 &
    echo $! > "$work/gateway.pid"
    local deadline=$((SECONDS + 60)) ready=0
    while (( SECONDS < deadline )); do
      if ! kill -0 "$(cat "$work/gateway.pid")" 2>/dev/null; then break; fi
      if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/readyz" || true)" == 200 ]]; then ready=1; break; fi
      sleep 0.2
    done
    if (( ready )); then
      {
        echo "GAMUT_TEST_BASE_URL=$base"
        echo "GAMUT_TEST_ADMIN_TOKEN=$admin_token"
        echo "GAMUT_TEST_ROGUE_SECRET=$rogue_secret"
        echo "GAMUT_TEST_DECISION_SIGNING_KEY=$decision_key"
        echo "GAMUT_TEST_SERVICE_KEY=$service_key"
      } | tee "$work/gateway.env"
      return 0
    fi
    stop "$work" || true
  done
  echo "gateway.sh: the gateway did not become ready; its log:" >&2
  tail -n 60 "$work/gateway.log" >&2 || true
  return 1
}

stop() {
  local work="$1"
  [[ -f "$work/gateway.pid" ]] || return 0
  local pid; pid="$(cat "$work/gateway.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$work/gateway.pid"
}

case "${1:-}" in
  start) [[ $# -eq 3 ]] || { echo "usage: $0 start WORKDIR UPSTREAM_BASE" >&2; exit 2; }; start "$2" "$3" ;;
  stop) [[ $# -eq 2 ]] || { echo "usage: $0 stop WORKDIR" >&2; exit 2; }; stop "$2" ;;
  *) echo "usage: $0 start WORKDIR UPSTREAM_BASE | stop WORKDIR" >&2; exit 2 ;;
esac
