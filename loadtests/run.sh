#!/usr/bin/env bash
# Hot-path load tests (`make loadtest`): the gateway's full enforcement path against a bare YARP
# proxy, with wrk, on loopback only, bounded in time, every process stopped on exit.
# See docs/performance.md for what each scenario measures and how to read the report.
#
# Knobs (environment):
#   LOADTEST_DURATION=10        seconds per measured run
#   LOADTEST_ROUNDS=3           rounds; each round alternates baseline and gateway runs per scenario
#   LOADTEST_WARMUP=3           seconds of unrecorded warm-up per target and scenario
#   LOADTEST_THREADS=2          wrk threads
#   LOADTEST_CONNECTIONS=32     wrk connections at full load
#   LOADTEST_HALF_CONNECTIONS=16  wrk connections of the fixed-rate ("half load") runs
#   LOADTEST_STORES="memory redis"
#   LOADTEST_SCENARIOS="allow block ratelimited stream"
#   LOADTEST_HALF_SCENARIOS="allow stream"   scenarios also run at a fixed rate of half the measured throughput
#   LOADTEST_TIMEOUT=1200       hard cap of the whole script in seconds (build included)
#   LOADTEST_SKIP_BUILD=1       use the binaries already built (Release)
#   LOADTEST_GATEWAY_ARGS=""    extra gateway arguments, e.g. "--Gateway:Audit:Sink=store" (diagnostics)
#   LOADTEST_REPORTS=loadtests/reports   where reports/<timestamp>/ goes
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
timeout_s="${LOADTEST_TIMEOUT:-1200}"

# The hard cap: the script re-runs itself under timeout(1); the trap below cleans up either way.
if [[ -z "${LOADTEST_CAPPED:-}" ]]; then
  export LOADTEST_CAPPED=1
  exec timeout --kill-after=20 "$timeout_s" "$0" "$@"
fi

duration="${LOADTEST_DURATION:-10}"
rounds="${LOADTEST_ROUNDS:-3}"
warmup="${LOADTEST_WARMUP:-3}"
threads="${LOADTEST_THREADS:-2}"
connections="${LOADTEST_CONNECTIONS:-32}"
half_connections="${LOADTEST_HALF_CONNECTIONS:-16}"
stores="${LOADTEST_STORES:-memory redis}"
scenarios="${LOADTEST_SCENARIOS:-allow block ratelimited stream}"
half_scenarios="${LOADTEST_HALF_SCENARIOS:-allow stream}"
artifacts="${GATEWAY_ARTIFACTS:-$root/artifacts}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
report_dir="${LOADTEST_REPORTS:-$root/loadtests/reports}/$stamp"
work="$(mktemp -d /tmp/gateway-loadtest.XXXXXX)"
results="$report_dir/results.jsonl"
lua="$root/loadtests/wrk/corpus.lua"
started_at="$(date +%s)"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1

pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  sleep 0.5
  for pid in "${pids[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'echo "loadtest: interrupted" >&2; exit 130' INT TERM

log() { printf '[%4ss] %s\n' "$(( $(date +%s) - started_at ))" "$*" >&2; }

# --- tools ---------------------------------------------------------------------------------------
apt_install() {
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    return 1
  fi
  log "installing $* (apt-get)"
  timeout 300 apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq "$@" >/dev/null 2>&1
}
command -v wrk >/dev/null || apt_install wrk || { echo "loadtest: wrk is required (apt-get install wrk)" >&2; exit 1; }
command -v jq >/dev/null || apt_install jq || { echo "loadtest: jq is required" >&2; exit 1; }
command -v curl >/dev/null || apt_install curl || { echo "loadtest: curl is required" >&2; exit 1; }
command -v python3 >/dev/null || apt_install python3 || { echo "loadtest: python3 is required" >&2; exit 1; }
if [[ " $stores " == *" redis "* ]] && ! command -v redis-server >/dev/null; then
  apt_install redis-server || { echo "loadtest: redis-server is required for the redis store (or LOADTEST_STORES=memory)" >&2; exit 1; }
fi
command -v gnuplot >/dev/null || apt_install gnuplot-nox || log "gnuplot unavailable: the chart will be an SVG only"

# --- build ---------------------------------------------------------------------------------------
projects=(proxy/Gateway.Proxy loadtests/Gateway.LoadTests.Upstream loadtests/Gateway.LoadTests.BareProxy loadtests/Gateway.LoadTests.Corpus)
if [[ -z "${LOADTEST_SKIP_BUILD:-}" ]]; then
  for project in "${projects[@]}"; do
    log "build $project (Release)"
    dotnet build "$root/$project" -c Release -nologo -v:q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  done
fi
bin() { echo "$artifacts/bin/$1/release/$2"; }
gateway_bin="$(bin Gateway.Proxy gateway)"
upstream_bin="$(bin Gateway.LoadTests.Upstream Gateway.LoadTests.Upstream)"
bare_bin="$(bin Gateway.LoadTests.BareProxy Gateway.LoadTests.BareProxy)"
corpus_bin="$(bin Gateway.LoadTests.Corpus Gateway.LoadTests.Corpus)"
for file in "$gateway_bin" "$upstream_bin" "$bare_bin" "$corpus_bin"; do
  [[ -x "$file" ]] || { echo "loadtest: $file is missing (build first)" >&2; exit 1; }
done

# --- helpers -------------------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
random_key() { python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'; }

wait_http() { # url seconds
  local deadline=$(( $(date +%s) + $2 ))
  until curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; do
    if (( $(date +%s) >= deadline )); then return 1; fi
    sleep 0.3
  done
}

started_pid=""
start() { # logfile command...   (sets started_pid; every process started is stopped on exit)
  local logfile="$1"
  shift
  "$@" >"$logfile" 2>&1 &
  started_pid="$!"
  pids+=("$started_pid")
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

mkdir -p "$report_dir/runs"
: >"$results"

# --- fixed processes: upstream and the bare proxy -------------------------------------------------
upstream_port="$(free_port)"
start "$work/upstream.log" "$upstream_bin" --urls "http://127.0.0.1:$upstream_port"
wait_http "http://127.0.0.1:$upstream_port/healthz" 60 || { cat "$work/upstream.log" >&2; echo "loadtest: upstream did not start" >&2; exit 1; }
bare_port="$(free_port)"
start "$work/bare.log" "$bare_bin" --urls "http://127.0.0.1:$bare_port" \
  "--ReverseProxy:Clusters:upstream:Destinations:upstream:Address=http://127.0.0.1:$upstream_port/"
wait_http "http://127.0.0.1:$bare_port/healthz" 60 || { cat "$work/bare.log" >&2; echo "loadtest: bare proxy did not start" >&2; exit 1; }
log "upstream on 127.0.0.1:$upstream_port, bare YARP proxy on 127.0.0.1:$bare_port"

# The load-test bundle with the upstream's real port, and fresh secrets (never committed).
mkdir -p "$work/bundle"
sed "s/127\.0\.0\.1:19110/127.0.0.1:$upstream_port/g" "$root/loadtests/bundle/loadtest.yaml" >"$work/bundle/loadtest.yaml"
LOADTEST_AGENT_SECRET="$(random_key)"
export LOADTEST_AGENT_SECRET
export LOADTEST_CRM_TOKEN="loadtest-crm-$(random_key)"
export LOADTEST_OPENAI_KEY="sk-loadtest-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
mkdir -p "$work/bundle/secrets"
printf '%s\n' "$LOADTEST_CRM_TOKEN" >"$work/bundle/secrets/crm.token"
printf '%s\n' "$LOADTEST_OPENAI_KEY" >"$work/bundle/secrets/openai.key"
chmod 600 "$work/bundle/secrets/"*

# --- scenarios -----------------------------------------------------------------------------------
# scenario -> gateway request, baseline request, expected statuses
chat_body='{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hello."}]}'
gw_method() { echo POST; }
gw_target() { case "$1" in stream) echo /providers/openai/chat/completions ;; *) echo /v1/actions/invoke-tool ;; esac; }
gw_body() {
  case "$1" in
    allow) echo '{"tool":"crm.read_contact","args":{"id":"42"}}' ;;
    block) echo '{"tool":"shell.exec","args":{"command":"uname -a"}}' ;;
    ratelimited) echo '{"tool":"crm.read_contact_throttled","args":{"id":"42"}}' ;;
    stream) echo "$chat_body" ;;
  esac
}
gw_expect() { case "$1" in block) echo 403 ;; ratelimited) echo 429,200 ;; *) echo 200 ;; esac; }
# The baseline of allow/block/ratelimited is the bare proxy's GET of the same upstream endpoint.
base_of() { case "$1" in stream) echo sse ;; *) echo get ;; esac; }

# Corpus sizes: 3x the best rate seen for the target/scenario times the run's length, and at least
# 10,000 (signed) or 40,000 (unsigned, tiny) requests per second of run.
declare -A best_rps=()
corpus_size() { # key seconds
  local rps="${best_rps[$1]:-0}" floor=10000
  [[ "$1" == baseline/* ]] && floor=40000
  python3 -c "import math, sys; r, d, f = map(float, sys.argv[1:]); print(int(max(f * d, math.ceil(r * d * 3))))" "$rps" "$2" "$floor"
}

# run <store> <target: gateway|baseline> <scenario> <phase: warmup|full|half> <round> <conns> <rate> <port>
run() {
  local store="$1" target="$2" scenario="$3" phase="$4" round="$5" conns="$6" rate="$7" port="$8"
  local seconds="$duration"
  [[ "$phase" == warmup ]] && seconds="$warmup"
  local key="$target/$scenario" name="$store-$target-$scenario-$phase-r$round"
  local count; count="$(corpus_size "$key" "$seconds")"
  local prefix="$work/corpus/$name" expect
  rm -rf "$work/corpus" && mkdir -p "$work/corpus"
  if [[ "$target" == gateway ]]; then
    expect="$(gw_expect "$scenario")"
    "$corpus_bin" --out "$prefix" --count "$count" --shards "$threads" --host "127.0.0.1:$port" \
      --method "$(gw_method "$scenario")" --target "$(gw_target "$scenario")" --body "$(gw_body "$scenario")" \
      --tenant demo --workspace ws-demo --agent demo-agent --secret-env LOADTEST_AGENT_SECRET >/dev/null
  elif [[ "$scenario" == sse ]]; then
    expect=200
    "$corpus_bin" --out "$prefix" --count "$count" --shards "$threads" --host "127.0.0.1:$port" \
      --method POST --target /v1/chat/completions --body "$chat_body" --unsigned >/dev/null
  else
    expect=200
    "$corpus_bin" --out "$prefix" --count "$count" --shards "$threads" --host "127.0.0.1:$port" \
      --method GET --target /crm/contacts/42 --unsigned >/dev/null
  fi
  local out="$report_dir/runs/$name.txt"
  local rate_args=()
  [[ "$rate" != 0 ]] && rate_args=("$rate" "$threads")
  timeout $(( seconds + 60 )) wrk -t "$threads" -c "$conns" -d "${seconds}s" --timeout 5s --latency -s "$lua" \
    "http://127.0.0.1:$port" -- "$prefix" "$expect" "${rate_args[@]}" >"$out" 2>&1 || true
  rm -rf "$work/corpus"
  local json; json="$(sed -n 's/^WRK_JSON //p' "$out" | tail -1)"
  if [[ -z "$json" ]]; then
    log "  $name: wrk produced no summary (see runs/$name.txt)"
    json='{"requests":0,"rps":0,"ok":0,"ok_rps":0,"unexpected":0,"socket_errors":0,"timeouts":0,"exhausted":0,"corpus":0,"sent":0,"latency_us":{},"statuses":{},"failed":true}'
  fi
  local rps; rps="$(jq -r '.rps' <<<"$json")"
  if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2] or 0) else 1)" "$rps" "${best_rps[$key]:-0}"; then
    best_rps[$key]="$rps"
  fi
  log "  $(printf '%-52s' "$name") $(jq -r '"\(.rps) req/s  p50 \(.latency_us.p50 // "-")us  p99 \(.latency_us.p99 // "-")us  unexpected \(.unexpected)  exhausted \(.exhausted)  statuses \(.statuses|tostring)"' <<<"$json")"
  if [[ "$phase" != warmup ]]; then
    jq -c --arg store "$store" --arg target "$target" --arg scenario "$scenario" --arg phase "$phase" \
      --argjson round "$round" --argjson conns "$conns" --argjson threads "$threads" --argjson rate "$rate" \
      --arg expect "$expect" --arg name "$name" \
      '{store:$store, target:$target, scenario:$scenario, phase:$phase, round:$round, connections:$conns, threads:$threads, rate:$rate, expect:$expect, name:$name} + .' \
      <<<"$json" >>"$results"
  fi
}

median_rps() { # target scenario store phase
  jq -s -r --arg t "$1" --arg s "$2" --arg st "$3" --arg p "$4" \
    '[.[] | select(.target==$t and .scenario==$s and .store==$st and .phase==$p) | .rps] | sort | if length==0 then 0 else .[(length/2|floor)] end' "$results"
}

# --- per store -----------------------------------------------------------------------------------
redis_pid=""
for store in $stores; do
  store_args=(--Gateway:Store:Kind=memory)
  if [[ "$store" == redis ]]; then
    redis_port="$(free_port)"
    mkdir -p "$work/redis"
    start "$work/redis.log" redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
      --dir "$work/redis" --protected-mode yes
    redis_pid="$started_pid"
    for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.2; done
    store_args=(--Gateway:Store:Kind=redis "--Gateway:Store:Redis:Endpoint=127.0.0.1:$redis_port")
    log "redis-server $(redis-server --version | awk '{print $3}') on 127.0.0.1:$redis_port"
  fi

  gateway_port="$(free_port)"
  rm -rf "$work/gateway-data" && mkdir -p "$work/gateway-data"
  # Production, with its three keys (random per run) and the loadtest bundle; working directory $work.
  start "$work/gateway-$store.log" env -C "$work" \
    DATA_ENCRYPTION_KEY="$(random_key)" DECISION_SIGNING_KEY="$(random_key)" GATEWAY_SERVICE_KEY="$(random_key)" \
    "$gateway_bin" --environment Production --urls "http://127.0.0.1:$gateway_port" \
    "--Gateway:Policy:BundlePath=$work/bundle" "--Gateway:DataDirectory=$work/gateway-data" \
    --Logging:LogLevel:Default=Warning "${store_args[@]}" ${LOADTEST_GATEWAY_ARGS:-}
  gateway_pid="$started_pid"
  if ! wait_http "http://127.0.0.1:$gateway_port/healthz" 90; then
    cat "$work/gateway-$store.log" >&2
    echo "loadtest: the gateway ($store) did not start" >&2
    exit 1
  fi
  cp "$work/gateway-$store.log" "$report_dir/runs/gateway-$store.startup.log" 2>/dev/null || true
  log "gateway ($store store) on 127.0.0.1:$gateway_port"

  # Warm-up (JIT, connection pools, store connection): not recorded.
  run "$store" baseline get warmup 0 "$connections" 0 "$bare_port"
  [[ " $scenarios " == *" stream "* ]] && run "$store" baseline sse warmup 0 "$connections" 0 "$bare_port"
  for scenario in $scenarios; do
    run "$store" gateway "$scenario" warmup 0 "$connections" 0 "$gateway_port"
  done

  # Full load: rounds alternating baseline and gateway runs.
  for round in $(seq 1 "$rounds"); do
    log "$store: round $round/$rounds (full load, -t$threads -c$connections, ${duration}s each)"
    last_base=""
    for scenario in $scenarios; do
      base="$(base_of "$scenario")"
      if [[ "$base" != "$last_base" ]]; then
        run "$store" baseline "$base" full "$round" "$connections" 0 "$bare_port"
        last_base="$base"
      fi
      run "$store" gateway "$scenario" full "$round" "$connections" 0 "$gateway_port"
    done
  done

  # Half load: a fixed rate of half the gateway's median throughput, the same rate for the baseline.
  for scenario in $half_scenarios; do
    [[ " $scenarios " == *" $scenario "* ]] || continue
    base="$(base_of "$scenario")"
    gw="$(median_rps gateway "$scenario" "$store" full)"
    rate="$(python3 -c 'import sys; print(max(50, int(float(sys.argv[1]) / 2)))' "$gw")"
    log "$store: half load for $scenario at $rate req/s (-c$half_connections)"
    run "$store" baseline "$base" half 1 "$half_connections" "$rate" "$bare_port"
    run "$store" gateway "$scenario" half 1 "$half_connections" "$rate" "$gateway_port"
  done

  cp "$work/gateway-$store.log" "$report_dir/runs/gateway-$store.log" 2>/dev/null || true
  stop_pid "$gateway_pid"
  if [[ -n "$redis_pid" ]]; then
    stop_pid "$redis_pid"
    redis_pid=""
  fi
done

# --- report --------------------------------------------------------------------------------------
{
  echo "{"
  echo "  \"timestamp\": \"$stamp\","
  echo "  \"nproc\": $(nproc),"
  echo "  \"cpu\": $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' | jq -R .),"
  echo "  \"kernel\": $(uname -r | jq -R .),"
  echo "  \"loadavg_end\": $(cut -d' ' -f1-3 /proc/loadavg | jq -R .),"
  echo "  \"wrk\": $(wrk -v 2>&1 | head -1 | jq -R .),"
  echo "  \"redis\": $( (redis-server --version 2>/dev/null || echo none) | jq -R .),"
  echo "  \"dotnet\": $(dotnet --version | jq -R .),"
  echo "  \"commit\": $(git -C "$root" rev-parse --short HEAD 2>/dev/null | jq -R .),"
  echo "  \"dirty\": $( [[ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]] && echo true || echo false),"
  echo "  \"duration_s\": $duration, \"rounds\": $rounds, \"threads\": $threads, \"connections\": $connections, \"half_connections\": $half_connections,"
  echo "  \"elapsed_s\": $(( $(date +%s) - started_at ))"
  echo "}"
} >"$report_dir/environment.json"
python3 "$root/loadtests/report.py" "$report_dir"
log "report: $report_dir/report.md"
