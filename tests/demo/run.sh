#!/usr/bin/env bash
# Demo suite: the newcomer's journey, on loopback ports that never collide with a gateway or demo already
# running on this machine.
#   1. `make run` becomes ready, twice: first on the default ports when all of them are free (else on free
#      ones), then, stopped and started again on the same state (nothing deleted), on other free ports
#   2. the first time twice in a row, after the restart once: the README's "First win" block as written (extracted
#      from README.md, so the README cannot drift), examples/first-win.sh (approving with gatewayctl, then in the
#      console), and the example agents (node, python, dotnet under examples/agents; bob approves each refund with the
#      approve block of examples/agents/README.md as written, so it must work every time), and examples/sign.sh with
#      a body too large for one argument (standard input, @file)
#   3. `gatewayctl doctor` on the running demo exits 0
#   4. a second `make run` on a port in use stops with an error naming GATEWAY_PORT
#   5. gatewayctl refuses a GATEWAY_URL that the demo file contradicts, and sends nothing
#   6. /metrics on GATEWAY_METRICS_PORT parses as Prometheus text with the gateway's counters; then, the demo stopped,
#      `make demo-reset` lists what it clears (approvals and issued tokens too) and clears it
#   7. gatewayctl packs as a .NET tool, installs with docs/cli.md's line (artifacts/nupkg only, its version) and runs
#   8. `git status --porcelain` is the same after all of it as before
#
#   tests/demo/run.sh [RESULTS_DIR]      writes RESULTS_DIR/demo.count: "demo: N passed, M failed"
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
results="$(mkdir -p "${1:-$root/artifacts/test-results}" && cd "${1:-$root/artifacts/test-results}" && pwd)"
work="$(mktemp -d -t gateway-demo-test.XXXXXX)"
passed=0
failed=0
demo_pid=""

# make's process group (it runs under setsid): stopping it stops run-demo.sh, the gateway and the upstreams. make itself
# exits on the signal at once, so the group is awaited until empty (the gateway's graceful shutdown still answers
# /readyz meanwhile), for up to 30 s.
stop_demo() {
  [[ -n "$demo_pid" ]] || return 0
  kill -TERM -- "-$demo_pid" 2>/dev/null || true
  wait "$demo_pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 -- "-$demo_pid" 2>/dev/null || break
    sleep 0.1
  done
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
unset GATEWAY_URL GATEWAY_ADMIN_TOKEN
port_names=(GATEWAY_PORT GATEWAY_METRICS_PORT DEMO_OPENAI_PORT DEMO_CRM_PORT DEMO_TICKETS_PORT DEMO_PAYMENTS_PORT
  DEMO_MAIL_PORT DEMO_BUILDHOST_PORT DEMO_DOCS_PORT DEMO_CONTEXT_PORT)
default_ports=(8080 9464 9100 9110 9120 9130 9140 9150 9200 9300)
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
cli="$root/artifacts/bin/Gateway.Cli/release/gatewayctl.dll"
tree_before="$(git -C "$root" status --porcelain 2>/dev/null || true)"

# Secrets never on a command line (`ps` shows every process's arguments to every user): stand-ins for curl and openssl,
# first on PATH, log their arguments and run the real tool. examples/sign.sh with a sentinel secret (longer than
# SHA-256's block, with the bytes 0x36 and 0x5c that its pads cancel) must keep it out of them and still sign as HMAC does.
mkdir -p "$work/argv-bin"
for tool in curl openssl; do
  printf '#!/usr/bin/env bash\n{ printf %%s %s; printf " %%s" "$@"; echo; } >>"$ARGV_LOG"\nexec %q "$@"\n' \
    "$tool" "$(command -v "$tool")" >"$work/argv-bin/$tool"
  chmod +x "$work/argv-bin/$tool"
done
sentinel='sentinel-6\\6\\-not-a-real-secret-0123456789abcdefghijklmnopqrstuvwxyz-0123456789ABCDEF'
: >"$work/argv-sign.log"
(cd "$root" && PATH="$work/argv-bin:$PATH" ARGV_LOG="$work/argv-sign.log" GAMUT_BYO_AGENT_SECRET="$sentinel" \
  GAMUT_BASE_URL=http://127.0.0.1:9 GAMUT_TENANT_SLUG=demo GAMUT_WORKSPACE_ID=ws GAMUT_AGENT_ID=agent GAMUT_NONCE=n-1 \
  examples/sign.sh POST /v1/evaluate '{"a":1}' >/dev/null 2>&1 || true)
expected_signature="$(python3 - "$work/argv-sign.log" "$sentinel" <<'PY'
import hashlib, hmac, re, sys
log = open(sys.argv[1], encoding="utf-8").read()
timestamp = re.search(r"X-Gamut-Timestamp: (\d+)", log).group(1)
canonical = "\n".join(["GAMUT-HMAC-SHA256-V1", "POST", "/v1/evaluate", "demo", "ws", "agent", timestamp, "n-1",
                       hashlib.sha256(b'{"a":1}').hexdigest()])
print("v1=" + hmac.new(sys.argv[2].encode(), canonical.encode(), hashlib.sha256).hexdigest())
PY
)" || expected_signature="(no X-Gamut-Timestamp in the logged curl arguments)"
if grep -qF -- "$sentinel" "$work/argv-sign.log"; then
  not_ok "examples/sign.sh put the agent secret on a command line: $(grep -F -- "$sentinel" "$work/argv-sign.log" | head -1 | cut -c1-160)"
elif ! grep -q '^openssl ' "$work/argv-sign.log" || ! grep -qF -- "X-Gamut-Signature: $expected_signature" "$work/argv-sign.log"; then
  not_ok "examples/sign.sh's signature is not HMAC-SHA256 under the secret ($expected_signature):"; cut -c1-300 "$work/argv-sign.log"
else
  ok "examples/sign.sh keeps the agent secret off every command line (curl, openssl) and signs as HMAC-SHA256 does"
fi

# The README's "First win" commands, as written: every bash block of that section.
awk '/^## /{section=($0 ~ /^## First win/)} section && /^```/{if (block) {block=0; next} if ($0 ~ /^```bash/) {block=1; next}} section && block' \
  "$root/README.md" >"$work/readme-first-win.sh"

start_demo() { # LABEL
  : >"$work/run.log"
  (cd "$root" && exec setsid make --no-print-directory run) >"$work/run.log" 2>&1 &
  demo_pid=$!
  local ready=""
  # Up to ten minutes: make run builds first when a source changed since the last build (make test builds before).
  for _ in $(seq 1 6000); do
    if grep -q "Gateway ready in" "$work/run.log" 2>/dev/null; then ready=1; break; fi
    kill -0 "$demo_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -n "$ready" ]] && grep -qE 'could not be resolved|ROGUE_AGENT_SECRET' "$work/run.log"; then
    not_ok "make run ($1) warned about an agent's secret at start:"; grep -E -B1 -A1 'could not be resolved|ROGUE_AGENT_SECRET' "$work/run.log" | head -20
  elif [[ -n "$ready" ]]; then
    ok "make run ($1, GATEWAY_PORT=$GATEWAY_PORT), every agent's secret resolved: $(grep -o 'Gateway ready in [0-9]* ms' "$work/run.log")"
  else
    not_ok "make run ($1, GATEWAY_PORT=$GATEWAY_PORT) did not become ready:"
    tail -40 "$work/run.log"
    exit 1
  fi
}

expect_all() { # LOG WHAT MARKER...
  local log="$1" what="$2" missing=()
  shift 2
  for marker in "$@"; do grep -qF -- "$marker" "$log" || missing+=("$marker"); done
  if ((${#missing[@]} == 0)); then ok "$what"; else not_ok "$what: missing ${missing[*]}"; tail -40 "$log"; fi
}

# The approve block of examples/agents/README.md as written (bob's token, then the approval), with gatewayctl the built one.
awk '/^```bash/{block=1; text=""; next} /^```/{if (block && text ~ /approvals approve/) printf "%s", text; block=0; next} block{text=text $0 "\n"}' \
  "$root/examples/agents/README.md" >"$work/agents-approve.sh"
grep -q 'approvals approve apr_\.\.\.' "$work/agents-approve.sh" || { echo "examples/agents/README.md has no approve block"; exit 1; }

approve_refund() { # LOG PID: bob approves the refund the agent announces in LOG, while it waits, with the README's block
  local approval=""
  # As long as the agent runs (the dotnet one builds itself first), up to 15 minutes.
  for _ in $(seq 1 9000); do
    approval="$(grep -o 'approval apr_[A-Za-z0-9_-]*' "$1" | head -1 | cut -d' ' -f2 || true)"
    [[ -n "$approval" ]] && break
    kill -0 "$2" 2>/dev/null || return 0
    sleep 0.1
  done
  [[ -n "$approval" ]] || return 0
  { echo "gatewayctl() { dotnet \"$cli\" \"\$@\"; }"; sed "s/apr_\.\.\./$approval/" "$work/agents-approve.sh"; } >"$work/approve-$approval.sh"
  (cd "$root" && GATEWAY_ADMIN_TOKEN=demo-admin-token-do-not-use-in-production bash -eo pipefail "$work/approve-$approval.sh") >>"$1" 2>&1
}

run_agent() { # NAME COMMAND...
  local name="$1" log="$work/agent-$1-$pass-$round.log" status
  shift
  (cd "$root" && exec "$@") >"$log" 2>&1 &
  local pid=$!
  local approved=1
  if ! approve_refund "$log" "$pid"; then approved=""; kill "$pid" 2>/dev/null || true; fi
  set +e
  wait "$pid"
  status=$?
  set -e
  if [[ -z "$approved" ]]; then
    not_ok "examples/agents/$name, pass $pass round $round: examples/agents/README.md's approve block failed:"
    tail -30 "$log"
  elif [[ $status -eq 0 ]] && grep -q "approved and done" "$log" && grep -q "shell.exec refused" "$log"; then
    ok "examples/agents/$name, pass $pass round $round"
  else
    not_ok "examples/agents/$name, pass $pass round $round (exit $status):"
    tail -30 "$log"
  fi
}

for pass in default other; do
  # Pass 1: the default ports when every one is free (else free ones); pass 2: other free ports, same state.
  use_defaults=""
  if [[ $pass == default ]]; then
    use_defaults=1
    for port in "${default_ports[@]}"; do port_in_use "$port" && use_defaults=""; done
  fi
  for i in "${!port_names[@]}"; do
    if [[ -n "$use_defaults" ]]; then export "${port_names[i]}=${default_ports[i]}"; else free_port port; export "${port_names[i]}=$port"; fi
  done
  start_demo "pass $pass$([[ -n "$use_defaults" ]] && echo ', default ports' || echo ', free ports')"

  # Twice in a row on the first start (what a second try finds: nonces, limits, approvals already there), once after the
  # restart (what the state kept across it gives).
  rounds="1 2"; [[ $pass == other ]] && rounds="1"
  for round in $rounds; do
    # The README's block, pasted as a script into a shell that has nothing of the demo's set.
    if (cd "$root" && env -u GATEWAY_URL -u GATEWAY_ADMIN_TOKEN bash -eo pipefail "$work/readme-first-win.sh") >"$work/readme-$pass-$round.log" 2>&1; then
      expect_all "$work/readme-$pass-$round.log" "README first win as written, pass $pass round $round" \
        '"decision":"allow"' '[REDACTED:email]' '"decision":"block' 'HTTP 409' '"decision":"allow_and_log"' \
        '"code":"rate_limited"' '"retry_after_seconds":' 'replayed_nonce' 'gateway_decisions_total' '1234567812345678'
    else
      not_ok "README first win as written, pass $pass round $round (exit $?):"
      tail -30 "$work/readme-$pass-$round.log"
    fi

    approve_in=gatewayctl; [[ $round == 2 || $pass == other ]] && approve_in=console
    # In the console runs curl and openssl are the logging stand-ins: bob's admin token (gwa_…) and the agent's secret
    # must stay off their command lines.
    argv_path="$PATH"; [[ $approve_in == console ]] && argv_path="$work/argv-bin:$PATH"
    : >"$work/argv-first-win.log"
    if PATH="$argv_path" ARGV_LOG="$work/argv-first-win.log" FIRST_WIN_APPROVE_IN=$approve_in "$root/examples/first-win.sh" \
      >"$work/first-win-$pass-$round.log" 2>&1; then
      ok "examples/first-win.sh, pass $pass round $round (approved with $approve_in)"
    else
      not_ok "examples/first-win.sh, pass $pass round $round:"
      tail -30 "$work/first-win-$pass-$round.log"
    fi
    if [[ $approve_in == console ]]; then
      agent_secret="$(sed -n 's/^GAMUT_BYO_AGENT_SECRET=//p' "$GATEWAY_DEMO_ENV")"
      leaked="$(grep -F -e 'gwa_' -e "${agent_secret:?}" "$work/argv-first-win.log" | head -1 | cut -c1-160 || true)"
      if [[ -z "$leaked" ]] && grep -q 'token-sign-in' "$work/argv-first-win.log"; then
        ok "examples/first-win.sh (console) keeps the admin token and the agent secret off curl's and openssl's command lines"
      else
        not_ok "examples/first-win.sh (console) put a secret on a command line: ${leaked:-(the console sign-in was not logged)}"
      fi
    fi

    # examples/sign.sh with a body over Linux's 128 KiB per argument: from standard input and from a file.
    if [[ $round == 1 ]]; then
      printf '{"tool":"crm.read_contact","args":{"id":"%s"}}' "$(head -c 150000 /dev/zero | tr '\0' '4')" >"$work/big-body.json"
      for how in - "@$work/big-body.json"; do
        answer="$(cd "$root" && examples/sign.sh POST /v1/evaluate "$how" <"$work/big-body.json" 2>&1 || true)"
        if grep -q 'HTTP 200' <<<"$answer" && grep -q '"decision":"allow"' <<<"$answer"; then
          ok "examples/sign.sh with a 150 KB body ($([[ $how == - ]] && echo 'standard input' || echo '@file')), pass $pass"
        else
          not_ok "examples/sign.sh with a 150 KB body ($how), pass $pass:"; tail -c 600 <<<"$answer"
        fi
      done
    fi

    run_agent node node examples/agents/node/agent.mjs
    run_agent python python3 examples/agents/python/agent.py
    # As the README runs it the first time in each start; then without the build check that found nothing to build.
    if [[ $round == 1 ]]; then run_agent dotnet dotnet run --project examples/agents/dotnet
    else run_agent dotnet dotnet run --no-build --project examples/agents/dotnet; fi
  done

  # 3. doctor on the running demo (it reads the demo file as every other command does).
  if dotnet "$cli" doctor >"$work/doctor-$pass.log" 2>&1; then
    ok "gatewayctl doctor on the running demo exits 0 ($(tail -1 "$work/doctor-$pass.log"))"
  else
    not_ok "gatewayctl doctor on the running demo:"
    cat "$work/doctor-$pass.log"
  fi

  [[ $pass == other ]] || stop_demo
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

# 6b. make demo-reset, the demo stopped: it lists what it clears (approvals and issued tokens too) before clearing it.
if (cd "$root" && make --no-print-directory demo-reset) >"$work/demo-reset.log" 2>&1 && [[ ! -d "$GATEWAY_DATA_DIR/state" ]]; then
  expect_all "$work/demo-reset.log" "make demo-reset lists what it clears, then clears it" \
    'rate-limit windows' 'kill switches' 'approvals, pending and decided' "admin tokens issued with 'gatewayctl tokens issue'" 'Kept: the keys' 'cleared;'
else
  not_ok "make demo-reset:"; cat "$work/demo-reset.log"
fi

# 7. gatewayctl as a .NET tool: packed, installed with docs/cli.md's install line as written (--tool-path for -g: its
# pinned version, from artifacts/nupkg alone), and run.
install_line="$(sed -nE 's/^(dotnet tool install .*gatewayctl)( +#.*)?$/\1/p' "$root/docs/cli.md" | head -1)"
if [[ -n "$install_line" ]] && (cd "$root" && make --no-print-directory tool >"$work/tool.log" 2>&1) \
  && (cd "$root" && eval "${install_line/ -g / --tool-path \"\$work/tools\" }") >>"$work/tool.log" 2>&1 \
  && "$work/tools/gatewayctl" completion bash | grep -q "complete -o default -F _gatewayctl_complete gatewayctl"; then
  ok "gatewayctl installs with docs/cli.md's line ($install_line) and runs"
else
  not_ok "gatewayctl as a .NET tool:"
  tail -20 "$work/tool.log"
fi

# 8. Nothing of the journey is left in the work tree.
tree_after="$(git -C "$root" status --porcelain 2>/dev/null || true)"
if [[ "$tree_after" == "$tree_before" ]]; then
  ok "git status --porcelain is as it was before the journey"
else
  not_ok "the journey changed the work tree:"
  diff <(echo "$tree_before") <(echo "$tree_after") || true
fi

[[ $failed -eq 0 ]]
