#!/usr/bin/env bash
# The README's "First win", end to end, against the gateway `make run` started (its targets are in
# GATEWAY_DEMO_ENV, default .gateway-data/demo.env). Safe to run again and again, before or after the
# README's steps by hand and the example agents: every run uses a fresh order number and nonce,
# re-issues the demo people's admin tokens (revoking the previous ones), and meets the bundle's rate-limit
# demo (docs.delete, two in ten seconds) by asking until it is refused, which nothing else counts against.
# A limit that refuses says when it resets (retry_after_seconds); `make demo-reset` (make run stopped)
# clears the store's limits, nonces and kill switches.
#   examples/first-win.sh          prints each step and exits non-zero at the first surprise
#   FIRST_WIN_APPROVE_IN=console examples/first-win.sh
#                                  bob approves the refund in the console (/console, admin-token sign-in,
#                                  Development only) as a browser would, instead of with gatewayctl
# Needs curl and openssl (examples/sign.sh); uses `gatewayctl` from PATH, else the built one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
demo_env="${GATEWAY_DEMO_ENV:-$root/.gateway-data/demo.env}"
[[ -f "$demo_env" ]] || { echo "first-win: $demo_env is missing; start the demo with 'make run' first" >&2; exit 1; }
unset GATEWAY_URL # the demo file names the gateway; an inherited GATEWAY_URL must not redirect the admin calls
set -a; source "$demo_env"; set +a
export GATEWAY_DEMO_ENV="$demo_env"
export GATEWAY_ADMIN_TOKEN="${GATEWAY_DEMO_ADMIN_TOKEN:-demo-admin-token-do-not-use-in-production}"

if command -v gatewayctl >/dev/null 2>&1; then
  gatewayctl() { command gatewayctl "$@"; }
else
  cli="$root/artifacts/bin/Gateway.Cli/release/gatewayctl.dll"
  [[ -f "$cli" ]] || { echo "first-win: $cli is missing; run 'make build' first" >&2; exit 1; }
  gatewayctl() { dotnet "$cli" "$@"; }
fi
sign() { "$here/sign.sh" "$@"; }
hidden() { sed -n "s/.*name=\"$2\" value=\"\([^\"]*\)\".*/\1/p" <<<"$1" | head -1; } # HTML FIELD
console_approve() { # APPROVAL TOKEN: sign in to /console with the token, open the request, approve it with a reason
  local jar page status
  jar="$(mktemp)"
  page="$(curl -sS -c "$jar" "$GATEWAY_URL/console/demo/token-sign-in")"
  # The token from standard input (token@-), never an argument: `ps` shows every process's arguments to every user.
  printf '%s' "$2" | curl -sS -b "$jar" -c "$jar" -o /dev/null --data-urlencode "check=$(hidden "$page" check)" \
    --data-urlencode "token@-" "$GATEWAY_URL/console/demo/token-sign-in"
  page="$(curl -sS -b "$jar" "$GATEWAY_URL/console/demo/approvals/$1")"
  status="$(curl -sS -b "$jar" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$(hidden "$page" csrf)" \
    --data-urlencode "reason=first win: order checked" "$GATEWAY_URL/console/demo/approvals/$1/approve")"
  rm -f "$jar"
  [[ "$status" == 302 ]] || { echo "first-win: the console answered $status to the approval:" >&2; echo "$page" | head -c 2000 >&2; return 1; }
}
steps=0
step() { steps=$((steps + 1)); echo "== $steps. $*"; }
expect() { # ANSWER TEXT WHAT
  if ! grep -qF -- "$2" <<<"$1"; then
    echo "first-win: step $steps failed: expected $3 ($2 not in the answer):" >&2
    echo "$1" | head -c 2000 >&2
    echo >&2
    exit 1
  fi
}
field() { grep -o "\"$2\": *\"[^\"]*\"" <<<"$1" | head -1 | sed -E 's/.*: *"(.*)"/\1/'; }
person_token() { # NAME ROLE: a fresh admin token for the person (the previous one, if any, revoked)
  local scope=()
  # An approver token speaks for one person of one tenant's register (docs/approvals-and-audit.md).
  [[ "$2" == approver ]] && scope=(--tenant demo --person "$1")
  # Token names are per tenant: the previous one is found under the same tenant (--tenant demo) or none.
  gatewayctl tokens revoke "$1" "${scope[@]:0:2}" >/dev/null 2>&1 || true
  field "$(gatewayctl tokens issue --name "$1" --role "$2" "${scope[@]}" --json 2>/dev/null)" token
}

echo "First win against $GATEWAY_URL"
step "An allowed action: a decision with its token and full decision path"
answer="$(sign POST /v1/evaluate '{"tool":"crm.read_contact","args":{"id":"42"}}')"
expect "$answer" '"decision":"allow"' "an allow decision"
expect "$answer" '"decision_token":"v1.' "a signed decision token"

step "The gateway holds the credentials; the agent acts through it and gets redacted data back"
echo -n 'crm-demo-token' | gatewayctl credentials put crm-token --tenant demo >/dev/null
echo -n 'payments-demo-key' | gatewayctl credentials put payments-key --tenant demo >/dev/null
echo -n 'openai-demo-key' | gatewayctl credentials put openai-key --tenant demo >/dev/null
answer="$(sign POST /v1/actions/invoke-tool '{"tool":"crm.read_contact","args":{"id":"42"}}')"
expect "$answer" '"invoked":true' "the tool to be invoked"
expect "$answer" '[REDACTED:email]' "the e-mail address redacted"
expect "$answer" '1234567812345678' "the order number kept"

step "Blocked: shell commands, with the failing controls and the remedy"
answer="$(sign POST /v1/actions/invoke-tool '{"tool":"shell.exec","args":{"cmd":"rm -rf /"}}')"
expect "$answer" '"decision":"block' "a block decision"
expect "$answer" '"remedy":"' "a remedy"

step "Held for a named human: a refund needs alice's or bob's approval"
order="A-$(date +%s)-$RANDOM"
refund="{\"tool\":\"payments.refund\",\"args\":{\"order\":\"$order\",\"amount\":25}}"
answer="$(sign POST /v1/actions/invoke-tool "$refund")"
expect "$answer" 'HTTP 409' "409 approval required"
approval="$(grep -o '"id":"apr_[^"]*"' <<<"$answer" | head -1 | sed -E 's/.*"(apr_[^"]*)"/\1/')"
[[ -n "$approval" ]] || { echo "first-win: no approval id in the answer" >&2; exit 1; }
bob="$(person_token bob approver)"
[[ -n "$bob" ]] || { echo "first-win: could not issue bob's approver token" >&2; exit 1; }
if [[ "${FIRST_WIN_APPROVE_IN:-gatewayctl}" == console ]]; then
  echo "   (approved by bob in the console: $GATEWAY_URL/console/demo/approvals/$approval)"
  console_approve "$approval" "$bob"
else
  GATEWAY_ADMIN_TOKEN="$bob" gatewayctl approvals approve "$approval" --tenant demo >/dev/null
fi
answer="$(sign GET "/v1/approvals/$approval")"
expect "$answer" '"approved"' "the approval approved"
warrant="$(field "$answer" warrant)"
[[ -n "$warrant" ]] || { echo "first-win: no warrant in the approved answer" >&2; exit 1; }
with_warrant="{\"tool\":\"payments.refund\",\"args\":{\"order\":\"$order\",\"amount\":25},\"warrant\":\"$warrant\"}"
answer="$(sign POST /v1/actions/invoke-tool "$with_warrant")"
expect "$answer" '"invoked":true' "the refund invoked with the warrant"

step "A rate limit: two docs.delete calls in ten seconds are decided (block), then 429 with when the window resets"
limited=""
for _ in 1 2 3 4 5; do
  answer="$(sign POST /v1/evaluate '{"tool":"docs.delete","args":{"id":"d-1"}}')"
  if grep -qF 'HTTP 429' <<<"$answer"; then limited="$answer"; break; fi
done
expect "$limited" '"code":"rate_limited"' "429 rate_limited within five attempts"
expect "$limited" '"retry_after_seconds":' "when the window resets"

step "Replays are refused"
nonce="first-win-$(date +%s%N)-$RANDOM"
answer="$(GAMUT_NONCE="$nonce" sign POST /v1/evaluate '{"tool":"crm.read_contact","args":{"id":"42"}}')"
expect "$answer" 'HTTP 200' "the first use of a nonce accepted"
answer="$(GAMUT_NONCE="$nonce" sign POST /v1/evaluate '{"tool":"crm.read_contact","args":{"id":"42"}}')"
expect "$answer" 'replayed_nonce' "the second use refused"

step "A model call through the provider route, with the credential the first win stored"
answer="$(sign POST /v1/actions/model '{"connector":"openai","request":{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}]}}')"
expect "$answer" 'HTTP 200' "the model call answered"

step "The audit chain of all of the above, verified link by link"
auditor="$(person_token auditor auditor)"
GATEWAY_ADMIN_TOKEN="$auditor" gatewayctl audit verify --tenant demo

echo "First win: all $steps steps as the README says."
