#!/usr/bin/env bash
# Sends one signed request to the gateway as the demo agent, exactly as the agent protocol says.
#   examples/sign.sh METHOD PATH [JSON-BODY | @FILE | -]
#   examples/sign.sh POST /v1/evaluate '{"tool":"crm.read_contact","args":{"id":"42"}}'
#   examples/sign.sh POST /v1/evaluate @request.json          # the body from a file, byte for byte
#   produce-json | examples/sign.sh POST /v1/evaluate -       # the body from standard input
# A body over ~128 KiB cannot be one command-line argument (Linux's limit per argument): use @FILE or -.
# Reads the five GAMUT_* values from GATEWAY_DEMO_ENV (default .gateway-data/demo.env, written by `make run`)
# unless they are already set. Needs curl and openssl.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ -z "${GAMUT_BYO_AGENT_SECRET:-}" ]]; then
  set -a; demo_env="${GATEWAY_DEMO_ENV:-$here/../.gateway-data/demo.env}"
  [[ -f "$demo_env" ]] || { echo "sign.sh: $demo_env is missing; start the demo with 'make run' first" >&2; exit 1; }
  source "$demo_env"; set +a
fi
usage="usage: sign.sh METHOD PATH [JSON-BODY | @FILE | -]"
method="${1:?$usage}"
target="${2:?$usage}"
# The body goes through a file, never an argument: hashed and sent byte for byte, whatever its size.
body_file="$(mktemp -t gamut-sign.XXXXXX)"
trap 'rm -f "$body_file"' EXIT
case "${3:-}" in
  -) cat >"$body_file" ;;
  @*) [[ -f "${3#@}" ]] || { echo "sign.sh: ${3#@} does not exist" >&2; exit 1; }; cat -- "${3#@}" >"$body_file" ;;
  *) printf '%s' "${3:-}" >"$body_file" ;;
esac
timestamp="$(date +%s)"
nonce="${GAMUT_NONCE:-$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')}"
body_hash="$(openssl dgst -sha256 -hex <"$body_file" | awk '{print $NF}')"
canonical="$(printf 'GAMUT-HMAC-SHA256-V1\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s' \
  "$method" "$target" "$GAMUT_TENANT_SLUG" "$GAMUT_WORKSPACE_ID" "$GAMUT_AGENT_ID" "$timestamp" "$nonce" "$body_hash")"
# HMAC-SHA256 (RFC 2104) of standard input under the agent secret, built from openssl's plain SHA-256: `openssl dgst
# -hmac KEY` would put the secret on a command line, which `ps` shows every user. The key reaches od and openssl only
# through pipes; bash's own printf (no process) writes the pads.
sha256_hex() { openssl dgst -sha256 -hex | awk '{print $NF}'; }
hmac_sha256_hex() {
  local key i byte ipad="" opad="" escape
  key="$(printf '%s' "$GAMUT_BYO_AGENT_SECRET" | od -An -v -tx1 | tr -d ' \n')"
  # A key longer than SHA-256's 64-byte block is hashed first; a shorter one is padded with zero bytes.
  (( ${#key} <= 128 )) || key="$(printf '%s' "$GAMUT_BYO_AGENT_SECRET" | sha256_hex)"
  while (( ${#key} < 128 )); do key+=00; done
  for (( i = 0; i < 128; i += 2 )); do
    byte=$(( 16#${key:i:2} ))
    printf -v escape '\\x%02x' $(( byte ^ 0x36 )); ipad+="$escape"
    printf -v escape '\\x%02x' $(( byte ^ 0x5c )); opad+="$escape"
  done
  local inner
  inner="$( { printf '%b' "$ipad"; cat; } | sha256_hex)"
  { printf '%b' "$opad"; printf '%b' "$(sed -E 's/(..)/\\x\1/g' <<<"$inner")"; } | sha256_hex
}
signature="v1=$(printf '%s' "$canonical" | hmac_sha256_hex)"
args=(-sS -X "$method" "${GAMUT_BASE_URL%/}$target"
  -H "X-Gamut-Tenant: $GAMUT_TENANT_SLUG" -H "X-Gamut-Workspace: $GAMUT_WORKSPACE_ID" -H "X-Gamut-Agent: $GAMUT_AGENT_ID"
  -H "X-Gamut-Timestamp: $timestamp" -H "X-Gamut-Nonce: $nonce" -H "X-Gamut-Signature: $signature"
  -w '\nHTTP %{http_code}\n')
if [[ -s "$body_file" ]]; then
  args+=(-H "Content-Type: application/json" --data-binary "@$body_file")
fi
curl "${args[@]}"
