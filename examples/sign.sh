#!/usr/bin/env bash
# Sends one signed request to the gateway as the demo agent, exactly as the agent protocol says.
#   examples/sign.sh METHOD PATH [JSON-BODY]
#   examples/sign.sh POST /v1/evaluate '{"tool":"crm.read_contact","args":{"id":"42"}}'
# Reads the five GAMUT_* values from GATEWAY_DEMO_ENV (default .gateway-data/demo.env, written by `make run`)
# unless they are already set. Needs curl and openssl.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ -z "${GAMUT_BYO_AGENT_SECRET:-}" ]]; then
  set -a; demo_env="${GATEWAY_DEMO_ENV:-$here/../.gateway-data/demo.env}"
  [[ -f "$demo_env" ]] || { echo "sign.sh: $demo_env is missing; start the demo with 'make run' first" >&2; exit 1; }
  source "$demo_env"; set +a
fi
method="${1:?usage: sign.sh METHOD PATH [JSON-BODY]}"
target="${2:?usage: sign.sh METHOD PATH [JSON-BODY]}"
body="${3:-}"
timestamp="$(date +%s)"
nonce="${GAMUT_NONCE:-$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')}"
body_hash="$(printf '%s' "$body" | openssl dgst -sha256 -hex | awk '{print $NF}')"
canonical="$(printf 'GAMUT-HMAC-SHA256-V1\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s' \
  "$method" "$target" "$GAMUT_TENANT_SLUG" "$GAMUT_WORKSPACE_ID" "$GAMUT_AGENT_ID" "$timestamp" "$nonce" "$body_hash")"
signature="v1=$(printf '%s' "$canonical" | openssl dgst -sha256 -hmac "$GAMUT_BYO_AGENT_SECRET" -hex | awk '{print $NF}')"
args=(-sS -X "$method" "${GAMUT_BASE_URL%/}$target"
  -H "X-Gamut-Tenant: $GAMUT_TENANT_SLUG" -H "X-Gamut-Workspace: $GAMUT_WORKSPACE_ID" -H "X-Gamut-Agent: $GAMUT_AGENT_ID"
  -H "X-Gamut-Timestamp: $timestamp" -H "X-Gamut-Nonce: $nonce" -H "X-Gamut-Signature: $signature"
  -w '\nHTTP %{http_code}\n')
if [[ -n "$body" ]]; then
  args+=(-H "Content-Type: application/json" --data-binary "$body")
fi
curl "${args[@]}"
