#!/usr/bin/env bash
# Bytes allocated per allowed `invoke-tool` request (`make alloc`), measured without load: the production gateway with
# the load-test bundle (as loadtests/run.sh starts it) and its upstream (Gateway.LoadTests.Upstream) on loopback, N
# signed requests sent one at a time over one keep-alive connection (loadtests/send_sequential.py), and the gateway's
# own `dotnet_gc_heap_total_allocated_bytes_total` and collection counts read from its /metrics port before and after.
# What the scrape itself and the idle gateway allocate is measured the same way without requests and subtracted.
# Allocation is deterministic enough to compare on a shared machine; nothing here is timed.
#
#   ALLOC_REQUESTS=3000   requests measured (after ALLOC_WARMUP=1500 not measured)
#   ALLOC_STORE=redis     redis (a redis-server started on a free port) or memory
#   ALLOC_SCENARIO=allow  allow | block | chat (the peers' benchmark's 1 KiB chat completion through the provider route)
#   ALLOC_TRACE=0         1: also trace allocation ticks by type and gateway frame (Gateway.LoadTests.Allocations)
#                         during a second batch of requests, into $ALLOC_OUT/allocations.md
#   ALLOC_OUT=…           where the trace report goes (default a temporary directory, printed)
#   ALLOC_SKIP_BUILD=     non-empty: use the Release binaries already built
#   ALLOC_GATEWAY_ARGS="" extra gateway arguments (e.g. a variant to compare)
#   ALLOC_PREFER=""       a Prefer header value sent with every request (e.g. return=minimal: the compact answer,
#                         docs/agent-protocol.md); empty: no Prefer header
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
requests="${ALLOC_REQUESTS:-3000}"
warmup="${ALLOC_WARMUP:-1500}"
store="${ALLOC_STORE:-redis}"
scenario="${ALLOC_SCENARIO:-allow}"
artifacts="${GATEWAY_ARTIFACTS:-$root/artifacts}"
work="$(mktemp -d /tmp/gateway-alloc.XXXXXX)"
out="${ALLOC_OUT:-$work/out}"
mkdir -p "$out"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1

pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.3
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [[ -n "${ALLOC_OUT:-}" ]] || rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
start() { local log="$1"; shift; "$@" >"$log" 2>&1 & started_pid="$!"; pids+=("$started_pid"); }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
random_key() { python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'; }
wait_http() {
  for _ in $(seq 1 300); do curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0; sleep 0.3; done
  return 1
}

projects=(proxy/Gateway.Proxy loadtests/Gateway.LoadTests.Upstream loadtests/Gateway.LoadTests.Corpus)
[[ "${ALLOC_TRACE:-0}" == 1 ]] && projects+=(loadtests/Gateway.LoadTests.Allocations)
if [[ -z "${ALLOC_SKIP_BUILD:-}" ]]; then
  for project in "${projects[@]}"; do
    dotnet build "$root/$project" -c Release -nologo -v:q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  done
fi
bin() { echo "$artifacts/bin/$1/release/$2"; }

upstream_port="$(free_port)"
start "$work/upstream.log" "$(bin Gateway.LoadTests.Upstream Gateway.LoadTests.Upstream)" --urls "http://127.0.0.1:$upstream_port"
wait_http "http://127.0.0.1:$upstream_port/healthz" || { cat "$work/upstream.log" >&2; exit 1; }

store_args=(--Gateway:Store:Kind=memory)
if [[ "$store" == redis ]]; then
  redis_port="$(free_port)"
  mkdir -p "$work/redis"
  start "$work/redis.log" redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work/redis"
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.2; done
  store_args=(--Gateway:Store:Kind=redis "--Gateway:Store:Redis:Endpoint=127.0.0.1:$redis_port")
fi

mkdir -p "$work/bundle" "$work/credentials/demo" "$work/data"
sed -e "s/127\.0\.0\.1:19110/127.0.0.1:$upstream_port/g" -e "s|file:secrets/|file:$work/credentials/demo/|g" \
  "$root/loadtests/bundle/loadtest.yaml" >"$work/bundle/loadtest.yaml"
LOADTEST_AGENT_SECRET="$(random_key)"
export LOADTEST_AGENT_SECRET
random_key >"$work/credentials/demo/crm.token"
random_key >"$work/credentials/demo/openai.key"
chmod 600 "$work/credentials/demo/"*

port="$(free_port)" metrics_port="$(free_port)"
start "$work/gateway.log" env -C "$work" DATA_ENCRYPTION_KEY="$(random_key)" DECISION_SIGNING_KEY="$(random_key)" \
  GATEWAY_SERVICE_KEY="$(random_key)" \
  "$(bin Gateway.Proxy gateway)" --environment Production --urls "http://127.0.0.1:$port" \
  "--Gateway:AccessTokens:PublicBaseUrl=http://127.0.0.1:$port" --Gateway:Receipts:AllowEphemeralKeys=true \
  "--Gateway:Policy:BundlePath=$work/bundle" "--Gateway:DataDirectory=$work/data" "--Gateway:Credentials:Root=$work/credentials" \
  "--Gateway:Admin:BootstrapTokenSha256=$(random_key | sha256sum | cut -d' ' -f1)" "--Gateway:Metrics:Port=$metrics_port" \
  --Logging:LogLevel:Default=Warning "${store_args[@]}" ${ALLOC_GATEWAY_ARGS:-}
gateway_pid="$started_pid"
wait_http "http://127.0.0.1:$port/healthz" || { cat "$work/gateway.log" >&2; exit 1; }

target=/v1/actions/invoke-tool
case "$scenario" in
  allow) body='{"tool":"crm.read_contact","args":{"id":"42"}}'; expect=200 ;;
  block) body='{"tool":"shell.exec","args":{"command":"uname -a"}}'; expect=403 ;;
  chat) # the peers' benchmark's request (loadtests/run.sh): a non-streamed chat completion of exactly 1 KiB
    target=/providers/openai/chat/completions expect=200
    body="$(python3 -c '
import json
def body(pad):
    return json.dumps({"model": "gpt-4o-mini", "stream": False, "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Summarise the following notes. " + "x" * pad}]}, separators=(",", ":"))
print(body(1024 - len(body(0))))')" ;;
  *) echo "alloc: unknown scenario $scenario" >&2; exit 2 ;;
esac
corpus() { # count prefix
  "$(bin Gateway.LoadTests.Corpus Gateway.LoadTests.Corpus)" --out "$2" --count "$1" --shards 1 --host "127.0.0.1:$port" \
    --method POST --target "$target" --body "$body" \
    --tenant demo --workspace ws-demo --agent demo-agent --secret-env LOADTEST_AGENT_SECRET >/dev/null
}
prefer_header=()
[[ -n "${ALLOC_PREFER:-}" ]] && prefer_header=("Prefer: $ALLOC_PREFER")
send() { python3 "$root/loadtests/send_sequential.py" "$port" "$1.0" "$expect" "${prefer_header[@]}"; }
counters() { # -> "allocated gen0 gen1 gen2" from the gateway's /metrics
  curl -fsS --max-time 10 "http://127.0.0.1:$metrics_port/metrics" | awk '
    /^dotnet_gc_heap_total_allocated_bytes_total[{ ]/ {a += $NF}
    /^dotnet_gc_collections_total[{ ]/ { if ($0 ~ /gen0/) g0 += $NF; else if ($0 ~ /gen1/) g1 += $NF; else if ($0 ~ /gen2/) g2 += $NF }
    END {printf "%.0f %.0f %.0f %.0f\n", a, g0, g1, g2}'
}

corpus "$warmup" "$work/warm"
send "$work/warm" >/dev/null
corpus "$requests" "$work/measured"
# The scrape's own cost (and anything the idle gateway allocates over about as long): two scrapes, no requests.
idle_a="$(counters)"; sleep 1; idle_b="$(counters)"
before="$(counters)"
result="$(send "$work/measured")"
after="$(counters)"

python3 - "$requests" "$idle_a" "$idle_b" "$before" "$after" "$result" "$store" "$scenario" "${ALLOC_PREFER:-}" <<'PY'
import json, sys
n = int(sys.argv[1])
ia, ib, b, a = ([int(x) for x in s.split()] for s in sys.argv[2:6])
run = json.loads(sys.argv[6])
scrape = ib[0] - ia[0]
alloc = a[0] - b[0] - scrape
prefer = f", Prefer: {sys.argv[9]}" if sys.argv[9] else ""
print(f"alloc: {sys.argv[8]} ({sys.argv[7]} store{prefer}), {n} sequential requests, statuses {run['statuses']}, answer {run['answer_bytes']} bytes")
print(f"alloc: {alloc / n:,.0f} bytes allocated per request (scrape and idle, subtracted: {scrape:,} bytes)")
print(f"alloc: collections per 1,000 requests: gen0 {(a[1]-b[1])*1000/n:.2f}, gen1 {(a[2]-b[2])*1000/n:.2f}, gen2 {(a[3]-b[3])*1000/n:.2f}")
if run["unexpected"]:
    print(f"alloc: {run['unexpected']} unexpected statuses", file=sys.stderr)
    sys.exit(1)
PY

if [[ "${ALLOC_TRACE:-0}" == 1 ]]; then
  corpus "$requests" "$work/traced"
  "$(bin Gateway.LoadTests.Allocations Gateway.LoadTests.Allocations)" "$gateway_pid" "${ALLOC_TRACE_SECONDS:-20}" "$out/allocations.md" >/dev/null &
  tracer=$!
  sleep 2
  send "$work/traced" >/dev/null
  wait "$tracer"
  echo "alloc: allocation ticks by type and frame in $out/allocations.md"
fi
