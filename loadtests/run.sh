#!/usr/bin/env bash
# Hot-path load tests (`make loadtest`): the gateway's full enforcement path against a bare YARP
# proxy, with wrk, on loopback only, bounded in time, every process stopped on exit.
# See docs/performance.md for what each scenario measures and how to read the report.
#
# Knobs (environment):
#   LOADTEST_DURATION=10        seconds per measured run
#   LOADTEST_ROUNDS=3           rounds; each round alternates baseline and gateway runs per scenario
#   LOADTEST_WARMUP=10          seconds of unrecorded warm-up per target and scenario (tiered JIT needs ~10-20 s here)
#   LOADTEST_WARMUP_MAX=60      then, for the gateway's scenarios, passes of one slice of LOADTEST_WARMUP_SLICE=5 seconds
#                               each until a whole pass finds the JIT under LOADTEST_JIT_QUIET=2 % of every slice (the
#                               runtime's own counter, /metrics), at most this many seconds of slices; 0: fixed only
#   LOADTEST_THREADS=2          wrk threads
#   LOADTEST_CONNECTIONS=32     wrk connections at full load
#   LOADTEST_HALF_CONNECTIONS=16  wrk connections of the fixed-rate ("half load") runs
#   LOADTEST_STORES="memory redis postgres"   postgres: Redis for hot state, the audit journal on a local PostgreSQL
#   LOADTEST_POSTGRES_SCENARIOS="allow"   the scenarios of the postgres store (no half load there)
#   LOADTEST_SCENARIOS="allow block ratelimited stream"
#   LOADTEST_HALF_SCENARIOS="allow stream"   scenarios also run at a fixed rate of half the measured throughput
#   LOADTEST_TIMEOUT=2400       hard cap of the whole script in seconds (build included; default 2400 + LOADTEST_SOAK)
#   LOADTEST_SKIP_BUILD=1       use the binaries already built (Release)
#   LOADTEST_GATEWAY_ARGS=""    extra gateway arguments, e.g. "--Gateway:Audit:Sink=store" (diagnostics)
#   LOADTEST_PREFER=""          a Prefer header value sent with every request of the gateway's allow rows (full and
#                               half load, variants, replicas and scale-out, the soak), e.g. return=minimal (the compact
#                               answer, docs/agent-protocol.md); the equal-terms baseline is sized to that answer
#   LOADTEST_REPORTS=artifacts/loadtests/reports   where <timestamp>/ goes (git-ignored); LOADTEST_REPORTS=loadtests/reports
#                               keeps a report in the tree, for a document to cite (docs/performance.md, "Reproducing the figures")
#   LOADTEST_REFERENCE=1        reference rows: the upstream called directly and Debian nginx as a plain reverse proxy
#   LOADTEST_REPLICAS=1         two gateway replicas on one Redis (aggregate allow throughput, audit chains verified)
#   LOADTEST_SCALEOUT=1         one, two and three gateway replicas over a three-primary Redis Cluster (three replicas,
#                               writes waiting for them as the cluster default does), allow signed for three tenants whose
#                               hash slots lie on the three primaries; aggregate throughput, audit conflicts and every chain
#                               verified after each; plus one replica with ReplicaAcknowledgements=0 (the cost of WAIT)
#   LOADTEST_REDIS_MONITOR=0    1: every command each redis-server of the run is sent, captured with MONITOR from its
#                               start into runs/redis-monitor-<port>.txt (hundreds of MB; MONITOR slows Redis, so such a
#                               run's figures are not for comparing): the input of loadtests/redis-replay.py
#   LOADTEST_REDIS_BENCH=1      the gateway's Redis client (StackExchange.Redis) against redis-benchmark, same commands
#   LOADTEST_PROFILE=1          a CPU profile of the allow path (Redis) with dotnet-trace, summarised in profile.md, taken
#                               in an extra allow run after the measured rounds (no measured row carries the profiler)
#   LOADTEST_SOAK=0             seconds of one soak scenario (allow, Redis) after the rest, RSS sampled every minute
#   LOADTEST_SOAK_RATE=0        the soak's fixed rate in req/s (0: full load, -c$LOADTEST_CONNECTIONS)
#   LOADTEST_SOAK_STORE=redis   the soak's store: redis, or memory (the embedded store, on its default audit sink)
#   An empty LOADTEST_STORES / LOADTEST_SCENARIOS (set, but "") runs none: e.g. a soak on its own.
#   LOADTEST_PERF=0             1: Linux perf (kernel and native frames too) on every measured gateway run of round 1
#                               (full load, half load and the peers' fixed rates alike),
#                               summarised by DSO and symbol in runs/<run>.perf.txt (needs perf; turns W^X off for the map)
#   LOADTEST_PERF_KEEP=0        1: keep perf's recording (runs/*.perf.data, tens of MB) for perf report by hand
#   LOADTEST_HOPS=0             1: where the thread-pool work items come from, on every measured run at a fixed rate of
#                               round 1 (bare YARP and the gateway alike): an EventPipe trace of the pool's enqueues,
#                               summed by the frame that queued them, in runs/<run>.hops.md (Gateway.LoadTests.Hops);
#                               rows of 8 s or more (the trace starts a second or two into a row), and not beside
#                               LOADTEST_SYSCALLS (the trace's own traffic would be counted as the process's sends)
#   LOADTEST_SYSCALLS=0         1: system calls per request of the process under test (bare YARP and the gateway alike) on
#                               every measured row, counted by kind with perf stat's syscall tracepoints (needs perf;
#                               counting costs the counted process CPU, bare YARP's full-load rate 8-20 %, so it is off
#                               by default and its rows are not for comparing throughput)
#   LOADTEST_GATEWAY_ENV=""     extra environment for every gateway, e.g. "DOTNET_gcServer=0 DOTNET_TieredPGO=1"
#   LOADTEST_GATEWAY_BIN=""     another build of the gateway for every gateway row, e.g. the image's self-contained publish
#                               (build/image-publish.sh OUT_DIR, then OUT_DIR/gateway); the Release build when empty
#   LOADTEST_VARIANTS="…"       per store, a scenario again (warm-up and the rounds, full load) on a gateway started
#                               with extra arguments, one row each: "name:args;name:args", arguments separated by spaces,
#                               e.g. "unbatched:--Gateway:Store:Redis:BatchAdmissions=false" gives the row allow[unbatched];
#                               NAME=value words go to the gateway's environment instead ("wks:DOTNET_gcServer=0"),
#                               except LOADTEST_GATEWAY_BIN=<path>, which starts that build of the gateway instead (an A/B
#                               of two commits in one run: "before:LOADTEST_GATEWAY_BIN=/tmp/before/artifacts/bin/Gateway.Proxy/release/gateway");
#                               "name@scenario:args" runs that scenario instead of allow (allow, block, ratelimited or
#                               stream), e.g. "budgetcall@stream:--Gateway:Store:Redis:BatchBudgets=false" gives
#                               stream[budgetcall]; a scenario in LOADTEST_HALF_SCENARIOS also runs at half load, at
#                               the store's own half-load rate for it;
#                               default: allow[unbatched], admission per request (against batched admission), and
#                               stream[budgetcall], the token budget reserved by a call of its own (against in the admission)
#   LOADTEST_VARIANT_STORES="redis"   the stores the variants run on
#   LOADTEST_PEER=1             the peers' benchmark (issue #52): an OpenAI chat completion through the provider route,
#                               non-streamed and streamed, 1 KiB request, at fixed rates, gateway and bare YARP side by side
#   LOADTEST_PEER_RATES="1000 3000 half"   its rates in req/s; "half" is half the highest rate bare YARP holds (chat)
#   LOADTEST_PEER_STORE=redis   the store of the peers' benchmark
#   LOADTEST_PEER_FLOOR="2 3 3+50 3+150"   the floor under it: bare YARP that waits on N Redis round trips (Redis stores)
#                               in turn before it forwards, then spends M µs of CPU per request ("N+M"; BareProxy's
#                               --StoreWaits), non-streamed at each peer rate; "journal": bare YARP that makes one
#                               durable journal write (a record fsynced) per request, the embedded store's one wait; "" none
#   LOADTEST_PEER_ROUNDS=1      rounds of the fixed-rate rows: each round runs bare YARP, the gateway and each floor at
#                               every rate in turn, and the report reads each row's median over the rounds (on a shared
#                               machine a single row's p99 moves by a millisecond between runs)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# The default cap leaves room for a soak: LOADTEST_SOAK=3600 alone must not be cut off by it.
timeout_s="${LOADTEST_TIMEOUT:-$(( 2400 + ${LOADTEST_SOAK:-0} ))}"

# The hard cap: the script re-runs itself under timeout(1); the trap below cleans up either way.
if [[ -z "${LOADTEST_CAPPED:-}" ]]; then
  export LOADTEST_CAPPED=1
  exec timeout --kill-after=20 "$timeout_s" "$0" "$@"
fi

duration="${LOADTEST_DURATION:-10}"
rounds="${LOADTEST_ROUNDS:-3}"
warmup="${LOADTEST_WARMUP:-10}"
warmup_max="${LOADTEST_WARMUP_MAX:-60}"
warmup_slice="${LOADTEST_WARMUP_SLICE:-5}"
jit_quiet="${LOADTEST_JIT_QUIET:-2}"
last_jit_share=""
threads="${LOADTEST_THREADS:-2}"
connections="${LOADTEST_CONNECTIONS:-32}"
half_connections="${LOADTEST_HALF_CONNECTIONS:-16}"
stores="${LOADTEST_STORES-memory redis postgres}"
scenarios="${LOADTEST_SCENARIOS-allow block ratelimited stream}"
half_scenarios="${LOADTEST_HALF_SCENARIOS-allow stream}"
reference="${LOADTEST_REFERENCE:-1}"
replicas_on="${LOADTEST_REPLICAS:-1}"
scaleout_on="${LOADTEST_SCALEOUT:-1}"
redis_bench="${LOADTEST_REDIS_BENCH:-1}"
profile="${LOADTEST_PROFILE:-1}"
soak="${LOADTEST_SOAK:-0}"
soak_rate="${LOADTEST_SOAK_RATE:-0}"
soak_store="${LOADTEST_SOAK_STORE:-redis}"
perf_on="${LOADTEST_PERF:-0}"
syscalls_on="${LOADTEST_SYSCALLS:-0}"
hops_on="${LOADTEST_HOPS:-0}"
# The kinds counted (perf's tracepoints): every system call, then sends, receives, waits for sockets, futex (a thread put
# to sleep or woken) and sched_yield (a spinning thread giving up its core).
syscall_events="raw_syscalls:sys_enter,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvfrom,syscalls:sys_enter_recvmsg,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_futex,syscalls:sys_enter_sched_yield"
if [[ "$hops_on" == 1 && "$syscalls_on" == 1 ]]; then
  echo "loadtest: LOADTEST_HOPS=1 and LOADTEST_SYSCALLS=1 do not go together (the trace's own traffic would be counted as sends)" >&2
  exit 1
fi
if [[ "$syscalls_on" == 1 ]] && ! perf stat -e raw_syscalls:sys_enter -- true >/dev/null 2>&1; then
  echo "loadtest: LOADTEST_SYSCALLS=1 needs perf with its syscall tracepoints (apt-get install linux-perf; root or perf_event_paranoid <= 1)" >&2
  exit 1
fi
# The runtime settings the image ships (the Dockerfile's runtime stage ENV, its DOTNET_GC* ones): every gateway here
# runs with them, as deployed; LOADTEST_GATEWAY_ENV comes after them and wins (DOTNET_GCGen1MaxBudget= is the default).
read -r -a image_runtime_env <<<"$(python3 "$root/build/dockerfile-runtime.py" "$root/Dockerfile" DOTNET_GC)"
read -r -a gateway_env <<<"${LOADTEST_GATEWAY_ENV:-}"
gateway_env=("${image_runtime_env[@]}" "${gateway_env[@]}")
variants="${LOADTEST_VARIANTS-unbatched:--Gateway:Store:Redis:BatchAdmissions=false;budgetcall@stream:--Gateway:Store:Redis:BatchBudgets=false}"
variant_stores="${LOADTEST_VARIANT_STORES-redis}"
peer_on="${LOADTEST_PEER:-1}"
peer_rates="${LOADTEST_PEER_RATES-1000 3000 half}"
peer_store="${LOADTEST_PEER_STORE:-redis}"
peer_floor="${LOADTEST_PEER_FLOOR-2 3 3+50 3+150}"
peer_rounds="${LOADTEST_PEER_ROUNDS:-1}"
[[ "$peer_rounds" =~ ^[1-9][0-9]?$ ]] || { echo "loadtest: LOADTEST_PEER_ROUNDS must be 1 to 99" >&2; exit 2; }
prefer="${LOADTEST_PREFER:-}"
# The header corpus.lua adds to a gateway allow row's requests (CORPUS_HEADER), or none.
allow_header() { [[ "$1" == allow && -n "$prefer" ]] && echo "Prefer: $prefer" || true; }
# perf resolves JIT-compiled frames through /tmp/perf-<pid>.map, which W^X double mapping hides.
[[ "$perf_on" == 1 ]] && gateway_env+=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)
artifacts="${GATEWAY_ARTIFACTS:-$root/artifacts}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
report_dir="${LOADTEST_REPORTS:-$root/artifacts/loadtests/reports}/$stamp"
work="$(mktemp -d /tmp/gateway-loadtest.XXXXXX)"
results="$report_dir/results.jsonl"
lua="$root/loadtests/wrk/corpus.lua"
started_at="$(date +%s)"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1

pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Every step runs whatever failed before: a step that stopped the rest would leave the processes running. The Redis
  # Cluster's servers are among pids (start), so they are stopped here whenever the script ends.
  set +e
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  sleep 0.5
  for pid in "${pids[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
  done
  stop_postgres
  rm -rf "$work"
  exit "$status"
}
# The "postgres" store: Debian's PostgreSQL in its own temp dir (as the postgres user when root), stopped on exit.
pg_dir=""
pg_run=()
pg_pid=""
start_postgres() {
  local bin; bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [[ -x "$bin/initdb" ]] || { echo "loadtest: PostgreSQL is required for the postgres store (apt-get install postgresql)" >&2; exit 1; }
  pg_dir="$(mktemp -d /tmp/gateway-loadtest-pg.XXXXXX)"; pg_port="$(free_port)"
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$pg_dir"; pg_run=(runuser -u postgres --); fi
  pg_ctl=("${pg_run[@]}" "$bin/pg_ctl" -D "$pg_dir/data")
  "${pg_run[@]}" "$bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --locale=C >"$pg_dir/initdb.log" 2>&1
  "${pg_ctl[@]}" -l "$pg_dir/server.log" -w -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c max_connections=200" start >/dev/null
  pg_pid="$(head -1 "$pg_dir/data/postmaster.pid")"
  log "postgres $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port"
}
stop_postgres() {
  [[ -n "$pg_dir" ]] || return 0
  "${pg_ctl[@]}" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"; pg_dir=""; pg_pid=""
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
if [[ "$scaleout_on" == 1 ]] && ! command -v redis-cli >/dev/null; then
  apt_install redis-tools || { echo "loadtest: redis-cli is required for the scale-out row (or LOADTEST_SCALEOUT=0)" >&2; exit 1; }
fi
if [[ " $stores " == *" redis "* ]] && ! command -v redis-server >/dev/null; then
  apt_install redis-server || { echo "loadtest: redis-server is required for the redis store (or LOADTEST_STORES=memory)" >&2; exit 1; }
fi
command -v gnuplot >/dev/null || apt_install gnuplot-nox || log "gnuplot unavailable: the chart will be an SVG only"
if [[ "$reference" == 1 ]] && ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
  apt_install nginx-light || apt_install nginx || log "nginx unavailable: no nginx reference row"
fi
if [[ "$redis_bench" == 1 ]] && ! command -v redis-benchmark >/dev/null; then
  apt_install redis-tools || log "redis-benchmark unavailable: no client comparison"
fi

# --- build ---------------------------------------------------------------------------------------
projects=(proxy/Gateway.Proxy loadtests/Gateway.LoadTests.Upstream loadtests/Gateway.LoadTests.BareProxy loadtests/Gateway.LoadTests.Corpus loadtests/Gateway.LoadTests.RedisClient)
[[ "$hops_on" == 1 ]] && projects+=(loadtests/Gateway.LoadTests.Hops)
if [[ -z "${LOADTEST_SKIP_BUILD:-}" ]]; then
  for project in "${projects[@]}"; do
    log "build $project (Release)"
    dotnet build "$root/$project" -c Release -nologo -v:q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  done
fi
bin() { echo "$artifacts/bin/$1/release/$2"; }
gateway_bin="${LOADTEST_GATEWAY_BIN:-$(bin Gateway.Proxy gateway)}"
upstream_bin="$(bin Gateway.LoadTests.Upstream Gateway.LoadTests.Upstream)"
bare_bin="$(bin Gateway.LoadTests.BareProxy Gateway.LoadTests.BareProxy)"
corpus_bin="$(bin Gateway.LoadTests.Corpus Gateway.LoadTests.Corpus)"
redis_client_bin="$(bin Gateway.LoadTests.RedisClient Gateway.LoadTests.RedisClient)"
hops_bin="$(bin Gateway.LoadTests.Hops Gateway.LoadTests.Hops)"
[[ "$hops_on" == 1 && ! -x "$hops_bin" ]] && { echo "loadtest: $hops_bin is missing (build first)" >&2; exit 1; }
for file in "$gateway_bin" "$upstream_bin" "$bare_bin" "$corpus_bin" "$redis_client_bin"; do
  [[ -x "$file" ]] || { echo "loadtest: $file is missing (build first)" >&2; exit 1; }
done

# --- helpers -------------------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
random_key() { python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'; }

wait_http() { # url seconds [pid: give up as soon as it has exited]
  local deadline=$(( $(date +%s) + $2 ))
  until curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; do
    if (( $(date +%s) >= deadline )); then return 1; fi
    if [[ -n "${3:-}" ]] && ! kill -0 "$3" 2>/dev/null; then return 1; fi
    sleep 0.3
  done
}

# CPU accounting: the process serving each port, and CPU seconds of a process or of the whole machine.
declare -A port_pid=() port_metrics=()
scrape_metrics() { # metrics port file -> the gateway's /metrics into file (empty when not read)
  : >"$2"
  [[ -n "$1" ]] || return 0
  curl -fsS --max-time 5 "http://127.0.0.1:$1/metrics" >"$2" 2>/dev/null || : >"$2"
}
gc_counters() { # scrape file -> "allocated-bytes gen0 gen1 gen2 pause-µs" (System.Runtime meter), or "" when not scraped
  [[ -s "$1" ]] || { echo ""; return; }
  awk '
    /^dotnet_gc_heap_total_allocated_bytes_total[{ ]/ {a += $NF}
    /^dotnet_gc_collections_total[{ ]/ { if ($0 ~ /gen0/) g0 += $NF; else if ($0 ~ /gen1/) g1 += $NF; else if ($0 ~ /gen2/) g2 += $NF }
    /^dotnet_gc_pause_time_seconds_total[{ ]/ {p += $NF}
    END {printf "%.0f %.0f %.0f %.0f %.0f\n", a, g0, g1, g2, p * 1e6}' "$1"
}
pool_counters() { # scrape file -> "thread-pool-work-items lock-contentions" (System.Runtime meter), or "" when not scraped
  [[ -s "$1" ]] || { echo ""; return; }
  awk '
    /^dotnet_thread_pool_work_item_count_total[{ ]/ {w += $NF}
    /^dotnet_monitor_lock_contentions_total[{ ]/ {c += $NF}
    END {printf "%.0f %.0f\n", w, c}' "$1"
}
jit_counters() { # scrape file -> "compiled-methods compilation-µs" (System.Runtime meter), or "" when not scraped
  [[ -s "$1" ]] || { echo ""; return; }
  awk '
    /^dotnet_jit_compiled_methods_total[{ ]/ {m += $NF}
    /^dotnet_jit_compilation_time_seconds_total[{ ]/ {t += $NF}
    END {printf "%.0f %.0f\n", m, t * 1e6}' "$1"
}
# Context switches of every thread: /proc/<pid>/status counts the main thread only (it equals
# /proc/<pid>/task/<pid>/status), so sum /proc/<pid>/task/*/status. A thread that exits during the run
# takes its count with it (a slight undercount).
ctxt_switches() { # pid -> "voluntary nonvoluntary" summed over its threads ("0 0" when gone)
  [[ -n "$1" && -d "/proc/$1/task" ]] || { echo "0 0"; return; }
  # A thread that exits between the glob and its read fails cat; with pipefail that would end the script.
  { cat /proc/"$1"/task/*/status 2>/dev/null || true; } \
    | awk '/^voluntary_ctxt_switches:/ {v += $2} /^nonvoluntary_ctxt_switches:/ {n += $2} END {printf "%d %d\n", v, n}'
}
# The audit journal as the admin API exports it (JSON Lines, every chain of tenant demo, records before a time).
audit_export_size() { # gateway port ISO-time -> "lines bytes" (newlines excluded), or "" when not read
  local out
  out="$(curl -fsS --max-time 120 -H "Authorization: Bearer $admin_token" \
    "http://127.0.0.1:$1/admin/v1/tenants/demo/audit/export?before=$2" 2>/dev/null | wc -l -c)" || { echo ""; return; }
  awk '{print $1, $2 - $1}' <<<"$out"
}
now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
redis_memory_keys() { # -> "used_memory dbsize" of the store's Redis (bytes, keys), or "" when it did not answer
  local used keys
  used="$(redis-cli -p "$redis_port" INFO memory 2>/dev/null | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')" || true
  keys="$(redis-cli -p "$redis_port" DBSIZE 2>/dev/null)" || true
  [[ "$used" =~ ^[0-9]+$ && "$keys" =~ ^[0-9]+$ ]] && echo "$used $keys" || echo ""
}
proc_cpu_ticks() { # pid -> utime+stime in clock ticks (0 when gone); fields counted after the ")" of comm
  [[ -n "$1" && -r "/proc/$1/stat" ]] || { echo 0; return; }
  { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null || true; } | awk '{t = $12 + $13} END {print t + 0}'
}
# PostgreSQL's whole server: the postmaster and every process it started (backends, walwriter, checkpointer,
# autovacuum workers…). Live children count their own utime+stime; a child that exited has been reaped by the
# postmaster, whose cutime+cstime then holds it, so a backend that exits during the run is still counted.
postgres_cpu_ticks() { # postmaster pid -> ticks of its process tree (0 when gone)
  [[ -n "$1" && -r "/proc/$1/stat" ]] || { echo 0; return; }
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$1" '
    { pid = $1; sub(/^.*\) /, "") }
    pid == pm { t += $12 + $13 + $14 + $15; next }
    $2 == pm { t += $12 + $13 }
    END { print t + 0 }'
}
machine_cpu_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
clk_tck="$(getconf CLK_TCK)"

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

# RSS of a process (kB) sampled every <interval> s into <file> until it exits.
rss_sampler() { # pid file interval
  local pid="$1" file="$2" interval="$3"
  : >"$file"
  (
    while kill -0 "$pid" 2>/dev/null; do
      awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null >>"$file" || true
      sleep "$interval"
    done
  ) &
  pids+=("$!")
}

# Appends {store, gateway, peak_kb, final_kb, samples} for an RSS sample file to rss.jsonl.
rss_record() { # store gateway file
  [[ -s "$3" ]] || return 0
  python3 - "$1" "$2" "$3" >>"$report_dir/rss.jsonl" <<'PY'
import json, sys
samples = [int(x) for x in open(sys.argv[3]) if x.strip()]
print(json.dumps({"store": sys.argv[1], "gateway": sys.argv[2], "peak_kb": max(samples), "final_kb": samples[-1], "samples": len(samples)}))
PY
}

admin_token="loadtest-admin-$(random_key)"
admin_token_sha="$(printf %s "$admin_token" | sha256sum | cut -d' ' -f1)"
# Shared by every replica of one deployment: the vault, decision tokens and service signatures verify on each.
data_key="$(random_key)" signing_key="$(random_key)" service_key="$(random_key)"

# start_gateway <label> <port> <extra args...>: the production gateway with the loadtest bundle (sets gateway_pid).
start_gateway() {
  local label="$1" port="$2"
  shift 2
  rm -rf "$work/data-$label" && mkdir -p "$work/data-$label"
  # /metrics on a port of its own, as deployed (the chart sets 9464); a later --Gateway:Metrics:Port wins.
  local metrics_port; metrics_port="$(free_port)"
  port_metrics[$port]="$metrics_port"
  # Each replica signs receipts with keys of its own process (no ring to share here; the loadtest verifies none).
  start "$work/gateway-$label.log" env -C "$work" \
    DATA_ENCRYPTION_KEY="$data_key" DECISION_SIGNING_KEY="$signing_key" GATEWAY_SERVICE_KEY="$service_key" "${gateway_env[@]}" \
    "$gateway_bin" --environment Production --urls "http://127.0.0.1:$port" "--Gateway:AccessTokens:PublicBaseUrl=http://127.0.0.1:$port" \
    --Gateway:Receipts:AllowEphemeralKeys=true \
    "--Gateway:Policy:BundlePath=$work/bundle" "--Gateway:DataDirectory=$work/data-$label" "--Gateway:Credentials:Root=$work/credentials" \
    "--Gateway:Admin:BootstrapTokenSha256=$admin_token_sha" "--Gateway:Metrics:Port=$metrics_port" \
    --Logging:LogLevel:Default=Warning "$@" ${LOADTEST_GATEWAY_ARGS:-}
  gateway_pid="$started_pid"
  port_pid[$port]="$started_pid"
  if ! wait_http "http://127.0.0.1:$port/healthz" 90 "$gateway_pid"; then
    cat "$work/gateway-$label.log" >&2
    echo "loadtest: the gateway ($label) did not start" >&2
    exit 1
  fi
  cp "$work/gateway-$label.log" "$report_dir/runs/gateway-$label.startup.log" 2>/dev/null || true
}

# start_redis: a fresh redis-server on a free port (sets redis_port, redis_pid).
start_redis() {
  redis_port="$(free_port)"
  rm -rf "$work/redis" && mkdir -p "$work/redis"
  start "$work/redis.log" redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    --dir "$work/redis" --protected-mode yes
  redis_pid="$started_pid"
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.2; done
  log "redis-server $(redis-server --version | awk '{print $3}') on 127.0.0.1:$redis_port"
  if [[ "${LOADTEST_REDIS_MONITOR:-0}" == 1 ]]; then
    local capture="$report_dir/runs/redis-monitor-$redis_port.txt"
    start "$capture" redis-cli -p "$redis_port" MONITOR
    # Connected once it has said OK: from then on it sees every command, the gateway's first SCRIPT LOAD included.
    for _ in $(seq 1 50); do grep -q '^OK' "$capture" 2>/dev/null && break; sleep 0.1; done
    log "MONITOR on 127.0.0.1:$redis_port into runs/$(basename "$capture")"
  fi
}

mkdir -p "$report_dir/runs"
: >"$results"
: >"$report_dir/rss.jsonl"

# --- fixed processes: upstream and the bare proxy -------------------------------------------------
upstream_port="$(free_port)"
start "$work/upstream.log" "$upstream_bin" --urls "http://127.0.0.1:$upstream_port"
port_pid[$upstream_port]="$started_pid"
wait_http "http://127.0.0.1:$upstream_port/healthz" 60 || { cat "$work/upstream.log" >&2; echo "loadtest: upstream did not start" >&2; exit 1; }
# start_bare <logfile> <port> [extra args...]: the bare YARP proxy in front of the upstream (sets started_pid); returns
# non-zero when it does not answer. Equal terms: it serves Prometheus metrics on a port of its own as the gateway does
# (its Program.cs).
start_bare() {
  local logfile="$1" port="$2" metrics_port
  shift 2
  metrics_port="$(free_port)"
  start "$logfile" "$bare_bin" --urls "http://127.0.0.1:$port;http://127.0.0.1:$metrics_port" "--Metrics:Port=$metrics_port" \
    "--ReverseProxy:Clusters:upstream:Destinations:upstream:Address=http://127.0.0.1:$upstream_port/" "$@"
  port_pid[$port]="$started_pid"
  port_metrics[$port]="$metrics_port"
  wait_http "http://127.0.0.1:$port/healthz" 60
}

bare_port="$(free_port)"
start_bare "$work/bare.log" "$bare_port" || { cat "$work/bare.log" >&2; echo "loadtest: bare proxy did not start" >&2; exit 1; }
log "upstream on 127.0.0.1:$upstream_port, bare YARP proxy on 127.0.0.1:$bare_port"

# The load-test bundle with the upstream's real port, and fresh secrets (never committed).
mkdir -p "$work/bundle"
# file: credentials resolve only under <Gateway:Credentials:Root>/<tenant>/ (docs/connectors.md).
sed -e "s/127\.0\.0\.1:19110/127.0.0.1:$upstream_port/g" -e "s|file:secrets/|file:$work/credentials/demo/|g" \
  "$root/loadtests/bundle/loadtest.yaml" >"$work/bundle/loadtest.yaml"
LOADTEST_AGENT_SECRET="$(random_key)"
export LOADTEST_AGENT_SECRET
export LOADTEST_CRM_TOKEN="loadtest-crm-$(random_key)"
export LOADTEST_OPENAI_KEY="sk-loadtest-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
mkdir -p "$work/credentials/demo"
printf '%s\n' "$LOADTEST_CRM_TOKEN" >"$work/credentials/demo/crm.token"
printf '%s\n' "$LOADTEST_OPENAI_KEY" >"$work/credentials/demo/openai.key"
chmod 600 "$work/credentials/demo/"*

# --- scenarios -----------------------------------------------------------------------------------
# scenario -> gateway request, baseline request, expected statuses
chat_body='{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hello."}]}'
# The peers' benchmark: a chat completion request of exactly 1 KiB, non-streamed and streamed.
peer_body() { # true|false -> the request body
  python3 -c '
import json, sys
stream = sys.argv[1] == "true"
def body(pad):
    return json.dumps({"model": "gpt-4o-mini", "stream": stream, "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Summarise the following notes. " + "x" * pad}]}, separators=(",", ":"))
print(body(1024 - len(body(0))))' "$1"
}
peer_chat_body="$(peer_body false)"
peer_stream_body="$(peer_body true)"
gw_method() { echo POST; }
gw_target() { case "$1" in stream|chat|chatstream) echo /providers/openai/chat/completions ;; *) echo /v1/actions/invoke-tool ;; esac; }
gw_body() {
  case "$1" in
    allow) echo '{"tool":"crm.read_contact","args":{"id":"42"}}' ;;
    block) echo '{"tool":"shell.exec","args":{"command":"uname -a"}}' ;;
    ratelimited) echo '{"tool":"crm.read_contact_throttled","args":{"id":"42"}}' ;;
    stream) echo "$chat_body" ;;
    chat) echo "$peer_chat_body" ;;
    chatstream) echo "$peer_stream_body" ;;
  esac
}
gw_expect() { case "$1" in block) echo 403 ;; ratelimited) echo 429,200 ;; *) echo 200 ;; esac; }
# Equal terms (issue #52): the baseline of allow/block/ratelimited is the bare proxy's POST of the same body to an
# upstream endpoint that answers as many bytes as the gateway's own answer to that scenario (measured after its
# warm-up, answer_bytes below); the chat baselines post the same chat bodies to the upstream's chat endpoint.
base_of() { case "$1" in stream) echo sse ;; chat) echo chat ;; chatstream) echo chatsse ;; *) echo "same-$1" ;; esac; }

# answer_bytes[scenario]: the upstream body size that makes the bare proxy's whole answer (status line, headers and
# body) as long as the gateway's answer to one request of that scenario.
declare -A answer_bytes=()
raw_answer_size() { # port file-with-one-raw-request -> "total body" bytes of the answer
  python3 - "$1" "$2" <<'PY'
import os, socket, sys
data = open(sys.argv[2], "rb").read()
nl = data.index(b"\n")
request = data[nl + 1: nl + 1 + int(data[:nl])]
header = os.environ.get("CORPUS_HEADER", "").encode("latin-1")
if header:  # as corpus.lua adds it
    eol = request.index(b"\r\n") + 2
    request = request[:eol] + header + b"\r\n" + request[eol:]
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
    s.sendall(request)
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, _, body = buf.partition(b"\r\n\r\n")
    headers = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip() for l in head.split(b"\r\n")[1:] if b":" in l}
    if b"content-length" in headers:
        size = int(headers[b"content-length"])
        while len(body) < size:
            body += s.recv(65536)
        total = len(head) + 4 + size
        body_size = size
    else:  # chunked: read to the last chunk; count the bytes as sent
        while not body.endswith(b"0\r\n\r\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        total = len(head) + 4 + len(body)
        body_size = len(body)
print(total, body_size)
PY
}
measure_answer() { # scenario gateway-port
  local kind="$1" port="$2" prefix="$work/answer" gw base
  "$corpus_bin" --out "$prefix" --count 1 --shards 1 --host "127.0.0.1:$port" \
    --method "$(gw_method "$kind")" --target "$(gw_target "$kind")" --body "$(gw_body "$kind")" \
    --tenant demo --workspace ws-demo --agent demo-agent --secret-env LOADTEST_AGENT_SECRET >/dev/null
  gw="$(CORPUS_HEADER="$(allow_header "$kind")" raw_answer_size "$port" "$prefix.0" | awk '{print $1}')" || gw=""
  "$corpus_bin" --out "$prefix" --count 1 --shards 1 --host "127.0.0.1:$bare_port" \
    --method POST --target /sized/1000 --body "$(gw_body "$kind")" --unsigned >/dev/null
  base="$(raw_answer_size "$bare_port" "$prefix.0" | awk '{print $1 - 1000}')" || base=""
  rm -f "$prefix".*
  if [[ "$gw" =~ ^[0-9]+$ && "$base" =~ ^[0-9]+$ ]] && (( gw - base >= 16 )); then
    answer_bytes[$kind]=$(( gw - base ))
  else
    answer_bytes[$kind]=1000
    log "  could not measure the gateway's $kind answer (gateway '$gw', bare headers '$base'): the baseline answers 1000 bytes"
  fi
  log "  $kind: the gateway answers $gw bytes; the equal-terms baseline's upstream body is ${answer_bytes[$kind]} bytes"
}

# Corpus sizes: 3x the best rate seen for the target/scenario times the run's length, and at least
# 10,000 (signed) or 40,000 (unsigned, tiny) requests per second of run.
declare -A best_rps=()
corpus_size() { # key seconds
  local rps="${best_rps[$1]:-0}" floor=10000
  [[ "$1" == baseline/* || "$1" == direct/* || "$1" == nginx/* ]] && floor=40000
  python3 -c "import math, sys; r, d, f = map(float, sys.argv[1:]); print(int(max(f * d, math.ceil(r * d * 3))))" "$rps" "$2" "$floor"
}

# run <store> <target: gateway|baseline> <scenario> <phase: warmup|full|half|profile> <round> <conns> <rate> <port>
# A scenario "allow[label]" is allow, reported as its own row (LOADTEST_VARIANTS).
run() {
  local store="$1" target="$2" scenario="$3" phase="$4" round="$5" conns="$6" rate="$7" port="$8"
  local seconds="$duration"
  [[ "$phase" == warmup ]] && seconds="$warmup"
  local kind="${scenario%%\[*}" label="${scenario//[\[\]]/-}"
  local key="$target/$scenario" name="$store-$target-${label%-}-$phase-r$round"
  local count; count="$(corpus_size "$key" "$seconds")"
  local prefix="$work/corpus/$name" expect
  rm -rf "$work/corpus" && mkdir -p "$work/corpus"
  if [[ "$target" == gateway ]]; then
    expect="$(gw_expect "$kind")"
    "$corpus_bin" --out "$prefix" --count "$count" --shards "$threads" --host "127.0.0.1:$port" \
      --method "$(gw_method "$kind")" --target "$(gw_target "$kind")" --body "$(gw_body "$kind")" \
      --tenant demo --workspace ws-demo --agent demo-agent --secret-env LOADTEST_AGENT_SECRET >/dev/null
  elif [[ "$kind" == sse || "$kind" == chat || "$kind" == chatsse ]]; then
    expect=200
    local body="$chat_body"
    [[ "$kind" == chat ]] && body="$peer_chat_body"
    [[ "$kind" == chatsse ]] && body="$peer_stream_body"
    "$corpus_bin" --out "$prefix" --count "$count" --shards "$threads" --host "127.0.0.1:$port" \
      --method POST --target /v1/chat/completions --body "$body" --unsigned >/dev/null
  elif [[ "$scenario" == same-* ]]; then
    expect=200
    "$corpus_bin" --out "$prefix" --count "$count" --shards "$threads" --host "127.0.0.1:$port" \
      --method POST --target "/sized/${answer_bytes[${scenario#same-}]:-1000}" --body "$(gw_body "${scenario#same-}")" --unsigned >/dev/null
  else
    expect=200
    "$corpus_bin" --out "$prefix" --count "$count" --shards "$threads" --host "127.0.0.1:$port" \
      --method GET --target /crm/contacts/42 --unsigned >/dev/null
  fi
  local out="$report_dir/runs/$name.txt"
  local rate_args=()
  [[ "$rate" != 0 ]] && rate_args=("$rate" "$threads")
  local target_pid="${port_pid[$port]:-}" upstream_pid="${port_pid[$upstream_port]:-}"
  local redis_stats=""
  [[ -n "${redis_pid:-}" && "$target" == gateway && "$phase" != warmup ]] && redis_stats="$report_dir/runs/$name.redis-commandstats.txt"
  # The audit journal's size before the run (allow, round 1 of each store's rows: the export reads the whole journal).
  local audit_before="" audit_after=""
  if [[ "$target" == gateway && "$kind" == allow && "$phase" != warmup && "$round" == 1 && "$store" != soak ]]; then
    local audit_start; audit_start="$(now_iso)"
    audit_before="$(audit_export_size "$port" "$audit_start")"
  fi
  local metrics_before="$work/metrics-before.txt" metrics_after="$work/metrics-after.txt"
  : >"$metrics_before"; : >"$metrics_after"
  # Redis' command counters over the same window as the metrics scrapes; memory and keys read outside it.
  local redis_before="" redis_after=""
  if [[ -n "$redis_stats" ]]; then
    redis_before="$(redis_memory_keys)"
    redis-cli -p "$redis_port" CONFIG RESETSTAT >/dev/null 2>&1 || true
  fi
  # Both proxies' /metrics (bare YARP serves the same System.Runtime meter): GC, the JIT and thread-pool work items.
  [[ -n "${port_metrics[$port]:-}" ]] && scrape_metrics "${port_metrics[$port]}" "$metrics_before"
  local gc_before; gc_before="$(gc_counters "$metrics_before")"
  local ctx_before; ctx_before="$(ctxt_switches "$target_pid")"
  local cpu_before; cpu_before="$(proc_cpu_ticks "$target_pid") $(proc_cpu_ticks "$upstream_pid") $(proc_cpu_ticks "${redis_pid:-}") $(postgres_cpu_ticks "${pg_pid:-}") $(machine_cpu_ticks)"
  local perf_pid=""
  if [[ "$perf_on" == 1 && "$target" == gateway && "$phase" != warmup && "$round" == 1 && -n "$target_pid" ]] && command -v perf >/dev/null; then
    perf record -q -F 499 -g -p "$target_pid" -o "$work/$name.perf.data" -- sleep "$seconds" >/dev/null 2>&1 &
    perf_pid="$!"
  fi
  local hops_pid=""
  if [[ "$hops_on" == 1 && "$rate" != 0 && "$phase" != warmup && "$round" == 1 && -n "$target_pid" ]]; then
    "$hops_bin" "$target_pid" "$seconds" "$rate" "$report_dir/runs/$name.hops.md" >/dev/null 2>"$work/$name.hops.log" &
    hops_pid="$!"
  fi
  local syscalls_pid="" syscalls_csv="$work/$name.syscalls.csv"
  rm -f "$syscalls_csv"
  if [[ "$syscalls_on" == 1 && "$phase" != warmup && -n "$target_pid" ]]; then
    # Counting from before wrk's first request until it has had every answer: perf counts for as long as its own
    # workload (a sleep) lives, and that sleep is ended once wrk is done; perf then writes its counts and exits. A window
    # of the run's length would not do: wrk loads its corpus before its clock starts, so such a window ends before the
    # run does (it undercounted by up to half). No signal goes to perf itself.
    # perf runs its sleep only once every counter is open and enabled (for each thread of the process: seconds on a busy
    # machine), so wrk starts when the sleep does: a row that ended before the sleep existed left perf nothing to end but a
    # kill, and no counts (one row of a loaded CI run on 2026-12-02 had none).
    perf stat -x, -e "$syscall_events" -p "$target_pid" -o "$syscalls_csv" -- sleep 86400 >/dev/null 2>&1 &
    syscalls_pid="$!"
    for _ in $(seq 1 1500); do pgrep -P "$syscalls_pid" -x sleep >/dev/null && break; kill -0 "$syscalls_pid" 2>/dev/null || break; sleep 0.02; done
  fi
  local header=""
  [[ "$target" == gateway ]] && header="$(allow_header "$kind")"
  CORPUS_HEADER="$header" timeout $(( seconds + 60 )) wrk -t "$threads" -c "$conns" -d "${seconds}s" --timeout 5s --latency -s "$lua" \
    "http://127.0.0.1:$port" -- "$prefix" "$expect" "${rate_args[@]}" >"$out" 2>&1 || true
  if [[ -n "$perf_pid" ]]; then
    wait "$perf_pid" 2>/dev/null || true
    { perf report -i "$work/$name.perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25
      echo; perf report -i "$work/$name.perf.data" --no-children --sort sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -80
      # Self time by owner: each library, and each .NET assembly for JIT-compiled frames (loadtests/perf_owners.py).
      echo; perf report -i "$work/$name.perf.data" -n --no-children --sort dso,sym --stdio -g none 2>/dev/null | python3 "$root/loadtests/perf_owners.py"
      # Inclusive: each frame with everything it called (the stages' own share), by the call chains perf recorded.
      echo; perf report -i "$work/$name.perf.data" --children --sort sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -150
    } >"$report_dir/runs/$name.perf.txt" || true
    if [[ "${LOADTEST_PERF_KEEP:-0}" == 1 ]]; then mv "$work/$name.perf.data" "$report_dir/runs/"; else rm -f "$work/$name.perf.data"; fi
  fi
  if [[ -n "$hops_pid" ]]; then
    wait "$hops_pid" 2>/dev/null || log "  $name: no thread-pool trace ($(tail -1 "$work/$name.hops.log" 2>/dev/null))"
  fi
  if [[ -n "$syscalls_pid" ]]; then
    pkill -TERM -P "$syscalls_pid" -x sleep 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$syscalls_pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$syscalls_pid" 2>/dev/null || true
    wait "$syscalls_pid" 2>/dev/null || true
  fi
  local cpu_after; cpu_after="$(proc_cpu_ticks "$target_pid") $(proc_cpu_ticks "$upstream_pid") $(proc_cpu_ticks "${redis_pid:-}") $(postgres_cpu_ticks "${pg_pid:-}") $(machine_cpu_ticks)"
  local ctx_after; ctx_after="$(ctxt_switches "$target_pid")"
  local rss_kb=null
  [[ -n "$target_pid" && -r "/proc/$target_pid/status" ]] && rss_kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$target_pid/status" 2>/dev/null || echo null)"
  [[ "$rss_kb" =~ ^[0-9]+$ ]] || rss_kb=null
  [[ -s "$metrics_before" ]] && scrape_metrics "${port_metrics[$port]:-}" "$metrics_after"
  if [[ -n "$redis_stats" ]]; then
    # The scripts' own time: commandstats' usec per call, latencystats' percentiles (Redis 7; empty before it).
    { redis-cli -p "$redis_port" INFO commandstats; redis-cli -p "$redis_port" INFO latencystats; } >"$redis_stats" 2>&1 || true
    redis_after="$(redis_memory_keys)"
  fi
  local gc_after; gc_after="$(gc_counters "$metrics_after")"
  local jit_before jit_after; jit_before="$(jit_counters "$metrics_before")"; jit_after="$(jit_counters "$metrics_after")"
  local pool_before pool_after; pool_before="$(pool_counters "$metrics_before")"; pool_after="$(pool_counters "$metrics_after")"
  local stages="{}"
  if [[ -s "$metrics_before" && -s "$metrics_after" ]]; then
    stages="$(python3 "$root/loadtests/histograms.py" "$metrics_before" "$metrics_after" 2>/dev/null || echo '{}')"
  fi
  [[ -n "$audit_before" ]] && audit_after="$(audit_export_size "$port" "$(now_iso)")"
  rm -rf "$work/corpus"
  local json; json="$(sed -n 's/^WRK_JSON //p' "$out" | tail -1)"
  if [[ -z "$json" ]]; then
    log "  $name: wrk produced no summary (see runs/$name.txt)"
    json='{"requests":0,"rps":0,"ok":0,"ok_rps":0,"unexpected":0,"socket_errors":0,"timeouts":0,"exhausted":0,"corpus":0,"sent":0,"latency_us":{},"statuses":{},"failed":true}'
  fi
  # CPU per request (µs) of the process under test, the upstream, Redis, PostgreSQL (its whole process tree; the
  # postgres store only) and the whole machine during the run.
  # Bytes allocated and collections per 1,000 requests in the gateway (its /metrics, before and after).
  # Context switches per request of the process under test (all its threads). The gateway's per-stage
  # latency (histogram deltas, loadtests/histograms.py) and, for allow, the audit journal's growth.
  json="$(python3 - "$json" "$cpu_before" "$cpu_after" "$clk_tck" "$target_pid" "${redis_pid:-}" "${pg_pid:-}" "$gc_before" "$gc_after" \
    "$ctx_before" "$ctx_after" "$stages" "$audit_before" "$audit_after" "$jit_before" "$jit_after" "$syscalls_csv" \
    "$pool_before" "$pool_after" <<'PY'
import json, sys
run = json.loads(sys.argv[1]); before = [int(x) for x in sys.argv[2].split()]; after = [int(x) for x in sys.argv[3].split()]
tick_us = 1e6 / int(sys.argv[4]); n = run.get("requests") or 0
names = ["target", "upstream", "redis", "postgres", "machine"]
present = [bool(sys.argv[5]), True, bool(sys.argv[6]), bool(sys.argv[7]), True]
if n:
    run["cpu_us_per_request"] = {name: round((a - b) * tick_us / n, 1) for name, a, b, ok in zip(names, after, before, present) if ok}
    gc_before, gc_after = sys.argv[8].split(), sys.argv[9].split()
    if len(gc_before) == 5 and len(gc_after) == 5 and int(gc_after[0]) > 0:
        delta = [int(a) - int(b) for a, b in zip(gc_after, gc_before)]
        collections = delta[1] + delta[2] + delta[3]
        # Time every thread was paused for the GC: per request, as a share of the run, and per collection
        # (what a request that meets a collection waits).
        run["gc"] = {"allocated_bytes_per_request": round(delta[0] / n), "gen0_per_1k": round(delta[1] * 1000 / n, 2),
                     "gen1_per_1k": round(delta[2] * 1000 / n, 2), "gen2_per_1k": round(delta[3] * 1000 / n, 2),
                     "pause_us_per_request": round(delta[4] / n, 2),
                     "pause_share": round(delta[4] / 1e6 / (n / run["rps"]), 4) if run.get("rps") else None,
                     "pause_us_per_collection": round(delta[4] / collections) if collections else None}
    ctx_before, ctx_after = [int(x) for x in sys.argv[10].split()], [int(x) for x in sys.argv[11].split()]
    # A thread that exits during the run takes its count with it: a sum that went down is no measurement.
    if sys.argv[5] and sum(ctx_after) > 0 and all(a >= b for a, b in zip(ctx_after, ctx_before)):
        run["ctxt_switches_per_request"] = {"voluntary": round((ctx_after[0] - ctx_before[0]) / n, 2),
                                            "nonvoluntary": round((ctx_after[1] - ctx_before[1]) / n, 2)}
    stages = json.loads(sys.argv[12] or "{}")
    if stages.get("stages"):
        run["stages"] = stages["stages"]
        for field in ("audit_phases", "store_operations", "admission_batches", "receipt_signing"):
            if stages.get(field):
                run[field] = stages[field]
        if "audit_records" in stages:
            run["audit_records_per_request"] = round(stages["audit_records"] / n, 3)
    # The JIT during the row: a row measured while tiered compilation is still busy is not the steady state.
    jit_before, jit_after = sys.argv[15].split(), sys.argv[16].split()
    if len(jit_before) == 2 and len(jit_after) == 2 and run.get("duration_s"):
        run["jit"] = {"methods": int(jit_after[0]) - int(jit_before[0]),
                      "share": round((int(jit_after[1]) - int(jit_before[1])) / 1e6 / run["duration_s"], 4)}
    # Thread-pool work items per request (each a wake-up of a pool thread: a continuation, a timer, a socket
    # completion dispatched to the pool) and monitor lock contentions, from the System.Runtime meter.
    pool_before, pool_after = sys.argv[18].split(), sys.argv[19].split()
    if len(pool_before) == 2 and len(pool_after) == 2 and int(pool_after[0]) > 0:
        run["thread_pool"] = {"work_items_per_request": round((int(pool_after[0]) - int(pool_before[0])) / n, 2),
                              "lock_contentions_per_request": round((int(pool_after[1]) - int(pool_before[1])) / n, 3)}
    # System calls per request by kind (perf stat -x, over the run: "count,unit,event,..." lines; LOADTEST_SYSCALLS=1).
    try:
        counted = {}
        for line in open(sys.argv[17]):
            fields = line.strip().split(",")
            if len(fields) > 2 and fields[0].isdigit():
                counted[fields[2].split(":")[-1]] = int(fields[0])
        kinds = {"total": ["sys_enter"], "send": ["sys_enter_sendto", "sys_enter_sendmsg"],
                 "receive": ["sys_enter_recvfrom", "sys_enter_recvmsg"], "epoll_wait": ["sys_enter_epoll_wait", "sys_enter_epoll_pwait"],
                 "futex": ["sys_enter_futex"], "sched_yield": ["sys_enter_sched_yield"]}
        if "sys_enter" in counted:
            run["syscalls_per_request"] = {kind: round(sum(counted.get(e, 0) for e in events) / n, 2) for kind, events in kinds.items()}
    except OSError:
        pass
    audit_before, audit_after = sys.argv[13].split(), sys.argv[14].split()
    if len(audit_before) == 2 and len(audit_after) == 2:
        records, size = int(audit_after[0]) - int(audit_before[0]), int(audit_after[1]) - int(audit_before[1])
        if records > 0:
            run["audit_export"] = {"records": records, "bytes": size, "bytes_per_record": round(size / records),
                                   "records_per_request": round(records / n, 3), "bytes_per_request": round(size / n)}
print(json.dumps(run))
PY
)"
  # Redis' commands, script runs, memory and keys per request (loadtests/redis_stats.py).
  if [[ -n "$redis_stats" ]]; then
    local redis_json
    redis_json="$(python3 "$root/loadtests/redis_stats.py" "$redis_stats" "$(jq -r '.requests // 0' <<<"$json")" "$redis_before" "$redis_after" 2>/dev/null || true)"
    json="$(jq -c --argjson redis "${redis_json:-"{}"}" 'if ($redis | length) > 0 then . + {redis: $redis} else . end' <<<"$json" 2>/dev/null || printf '%s\n' "$json")"
  fi
  local rps; rps="$(jq -r '.rps' <<<"$json")"
  # The JIT's share of this run's time (any phase; empty when the gateway's /metrics was not read): warm reads it.
  last_jit_share="$(jq -r '.jit.share // empty' <<<"$json")"
  if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2] or 0) else 1)" "$rps" "${best_rps[$key]:-0}"; then
    best_rps[$key]="$rps"
  fi
  log "  $(printf '%-52s' "$name") $(jq -r '"\(.rps) req/s  p50 \(.latency_us.p50 // "-")us  p99 \(.latency_us.p99 // "-")us  unexpected \(.unexpected)  exhausted \(.exhausted)  statuses \(.statuses|tostring)"' <<<"$json")"
  if [[ "$phase" != warmup ]]; then
    jq -c --arg store "$store" --arg target "$target" --arg scenario "$scenario" --arg phase "$phase" \
      --argjson round "$round" --argjson conns "$conns" --argjson threads "$threads" --argjson rate "$rate" \
      --arg expect "$expect" --arg name "$name" --argjson rss_kb "$rss_kb" \
      '{store:$store, target:$target, scenario:$scenario, phase:$phase, round:$round, connections:$conns, threads:$threads, rate:$rate, expect:$expect, name:$name, rss_kb:$rss_kb} + .' \
      <<<"$json" >>"$results"
  fi
}

# warm <store> <conns> <port> <scenario>...: the gateway's warm-up for those scenarios. Each its fixed warm-up, then passes
# of one slice of each until a whole pass finds the JIT quiet (it compiled for less than LOADTEST_JIT_QUIET % of every
# slice), at most LOADTEST_WARMUP_MAX seconds of slices in all (0: the fixed warm-up alone): a gateway row measured while
# tiered compilation still runs reads its warm-up, not its steady state. One pass over every scenario ends the warm-up
# with all of them quiet at once.
warm() {
  local store="$1" conns="$2" port="$3" metrics="${port_metrics[$3]:-}" scenario spent=0 quiet share
  shift 3
  for scenario in "$@"; do
    run "$store" gateway "$scenario" warmup 0 "$conns" 0 "$port"
  done
  [[ -n "$metrics" ]] && (( warmup_max > 0 )) || return 0
  local warmup="$warmup_slice" busy
  while (( spent + warmup_slice * $# <= warmup_max )); do
    quiet=1
    for scenario in "$@"; do
      run "$store" gateway "$scenario" warmup 0 "$conns" 0 "$port"
      spent=$(( spent + warmup_slice ))
      [[ -n "$last_jit_share" ]] || return 0
      # Judged on the share as logged (one decimal), so that a slice logged at the threshold is never counted quiet.
      read -r share busy < <(python3 -c 'import sys; s = round(float(sys.argv[1]) * 100, 1); print(s, int(s >= float(sys.argv[2])))' \
        "$last_jit_share" "$jit_quiet")
      log "  warm-up of $scenario: the JIT at $share % of the last ${warmup_slice}s"
      if (( busy )); then quiet=0; fi
    done
    if (( quiet )); then
      log "  warm-up of $*: the JIT quiet after ${spent}s of slices"
      return 0
    fi
  done
  log "  warm-up of $*: the JIT still busy after ${spent}s of slices (LOADTEST_WARMUP_MAX)"
}

median_rps() { # target scenario store phase
  jq -s -r --arg t "$1" --arg s "$2" --arg st "$3" --arg p "$4" \
    '[.[] | select(.target==$t and .scenario==$s and .store==$st and .phase==$p) | .rps] | sort | if length==0 then 0 else .[(length/2|floor)] end' "$results"
}

# --- CPU profile (dotnet-trace, EventPipe sampling) ----------------------------------------------
trace_bin=""
if [[ "$profile" == 1 ]]; then
  if command -v dotnet-trace >/dev/null; then
    trace_bin="$(command -v dotnet-trace)"
  elif timeout 300 dotnet tool install dotnet-trace --tool-path "$work/tools" >"$work/tool.log" 2>&1; then
    trace_bin="$work/tools/dotnet-trace"
  else
    log "dotnet-trace could not be installed from NuGet: no CPU profile (see runs/tool.log)"
    cp "$work/tool.log" "$report_dir/runs/tool.log" 2>/dev/null || true
  fi
fi
# dotnet-trace 10 samples managed stacks with the dotnet-sampled-thread-time profile; older ones call it cpu-sampling.
trace_profile=cpu-sampling
if [[ -n "$trace_bin" ]] && "$trace_bin" list-profiles 2>/dev/null | grep -q dotnet-sampled-thread-time; then
  trace_profile=dotnet-sampled-thread-time
fi
trace_pid=""
profile_start() { # pid seconds
  [[ -n "$trace_bin" ]] || return 0
  local seconds=$(( $2 > 1 ? $2 - 1 : 1 ))
  "$trace_bin" collect -p "$1" --profile "$trace_profile" --duration "00:00:$(printf '%02d' "$seconds")" \
    --format Speedscope -o "$report_dir/allow-redis.nettrace" >"$work/trace.log" 2>&1 &
  trace_pid="$!"
  pids+=("$trace_pid")
  sleep 1
}
profile_wait() {
  [[ -n "$trace_pid" ]] || return 0
  timeout 120 tail --pid="$trace_pid" -f /dev/null || true
  trace_pid=""
  cp "$work/trace.log" "$report_dir/runs/trace.log" 2>/dev/null || true
}

# --- reference rows: the upstream directly and nginx as a plain reverse proxy ---------------------
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
if [[ "$reference" == 1 ]]; then
  nginx_port=""
  if [[ -x "$nginx_bin" ]]; then
    nginx_port="$(free_port)"
    mkdir -p "$work/nginx/tmp"
    cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  upstream up { server 127.0.0.1:$upstream_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
NGINX
    start "$work/nginx.log" "$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf"
    nginx_pid="$started_pid"
    if ! wait_http "http://127.0.0.1:$nginx_port/healthz" 30; then
      log "nginx did not start (see runs/nginx.log): no nginx reference row"
      cp "$work/nginx.log" "$report_dir/runs/nginx.log" 2>/dev/null || true
      nginx_port=""
    else
      log "nginx $("$nginx_bin" -v 2>&1 | awk -F/ '{print $2}') (one worker, keep-alive to the upstream) on 127.0.0.1:$nginx_port"
    fi
  fi
  run reference baseline get warmup 0 "$connections" 0 "$bare_port"
  run reference direct get warmup 0 "$connections" 0 "$upstream_port"
  [[ -n "$nginx_port" ]] && run reference nginx get warmup 0 "$connections" 0 "$nginx_port"
  for round in $(seq 1 "$rounds"); do
    log "reference: round $round/$rounds"
    run reference baseline get full "$round" "$connections" 0 "$bare_port"
    run reference direct get full "$round" "$connections" 0 "$upstream_port"
    [[ -n "$nginx_port" ]] && run reference nginx get full "$round" "$connections" 0 "$nginx_port"
  done
  [[ -n "$nginx_port" ]] && stop_pid "$nginx_pid"
fi

# --- variants: a scenario again on a gateway started with extra arguments (LOADTEST_VARIANTS) -----
# run_variants <store> <store args...>: per "name[@scenario]:args" a fresh gateway on the same store
# (Redis emptied first, as the store's own gateway found it; and its audit export stays as small as at
# the store's round 1), warmed up, then the rounds at full load and, for a half-load scenario, one run
# at the store's half-load rate (no baseline runs of its own: its row is compared with the store's).
run_variants() {
  local store="$1" variant name args port scenario
  shift
  local list=()
  IFS=';' read -r -a list <<<"$variants"
  for variant in "${list[@]}"; do
    [[ -n "${variant// /}" ]] || continue
    name="${variant%%:*}"
    args="${variant#*:}"
    [[ "$variant" == *:* ]] || args=""
    name="${name// /}"
    scenario=allow
    if [[ "$name" == *@* ]]; then
      scenario="${name#*@}"
      name="${name%%@*}"
    fi
    if [[ ! "$name" =~ ^[a-z0-9_-]+$ ]]; then
      log "variant '$name': a name is lowercase letters, digits, '-' and '_' (skipped)"
      continue
    fi
    if [[ ! " allow block ratelimited stream " == *" $scenario "* ]]; then
      log "variant '$name': scenario '$scenario' is not one of allow, block, ratelimited, stream (skipped)"
      continue
    fi
    local words=() variant_args=() variant_env=() word
    read -r -a words <<<"$args"
    # NAME=value words go to the gateway's environment (runtime knobs such as DOTNET_gcServer=0), the rest are arguments.
    for word in "${words[@]}"; do
      if [[ "$word" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; then variant_env+=("$word"); else variant_args+=("$word"); fi
    done
    port="$(free_port)"
    [[ -n "$redis_pid" ]] && redis-cli -p "$redis_port" FLUSHALL >/dev/null
    local saved_env=("${gateway_env[@]}") saved_bin="$gateway_bin" env_word
    for env_word in "${variant_env[@]}"; do
      # Another build of the gateway (an A/B of two commits in one run): LOADTEST_GATEWAY_BIN=<path to its gateway binary>.
      if [[ "$env_word" == LOADTEST_GATEWAY_BIN=* ]]; then gateway_bin="${env_word#LOADTEST_GATEWAY_BIN=}"; else gateway_env+=("$env_word"); fi
    done
    start_gateway "$store-$name" "$port" "$@" "${variant_args[@]}"
    gateway_env=("${saved_env[@]}")
    gateway_bin="$saved_bin"
    rss_sampler "$gateway_pid" "$work/rss-$store-$name" 1
    log "gateway ($store store, variant $name: ${variant_env[*]} ${variant_args[*]}) on 127.0.0.1:$port"
    warm "$store" "$connections" "$port" "$scenario[$name]"
    for round in $(seq 1 "$rounds"); do
      log "$store: variant $name ($scenario), round $round/$rounds"
      run "$store" gateway "$scenario[$name]" full "$round" "$connections" 0 "$port"
    done
    if [[ " $store_half_scenarios " == *" $scenario "* && " $store_scenarios " == *" $scenario "* ]]; then
      local rate
      rate="$(python3 -c 'import sys; print(max(50, int(float(sys.argv[1]) / 2)))' "$(median_rps gateway "$scenario" "$store" full)")"
      log "$store: variant $name, half load for $scenario at $rate req/s (-c$half_connections)"
      run "$store" gateway "$scenario[$name]" half 1 "$half_connections" "$rate" "$port"
    fi
    cp "$work/gateway-$store-$name.log" "$report_dir/runs/gateway-$store-$name.log" 2>/dev/null || true
    stop_pid "$gateway_pid"
    rss_record "$store" "gateway[$name]" "$work/rss-$store-$name"
  done
}

# --- per store -----------------------------------------------------------------------------------
redis_pid=""
for store in $stores; do
  store_args=(--Gateway:Store:Kind=memory)
  if [[ "$store" == redis || "$store" == postgres ]]; then
    start_redis
    store_args=(--Gateway:Store:Kind=redis "--Gateway:Store:Redis:Endpoint=127.0.0.1:$redis_port")
  fi
  if [[ "$store" == postgres ]]; then
    start_postgres
    store_args+=("--Gateway:Store:Postgres:ConnectionString=Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Maximum Pool Size=64")
  fi

  store_scenarios="$scenarios"
  store_half_scenarios="$half_scenarios"
  if [[ "$store" == postgres ]]; then
    store_scenarios="${LOADTEST_POSTGRES_SCENARIOS-allow}"
    store_half_scenarios=""
  fi

  gateway_port="$(free_port)"
  start_gateway "$store" "$gateway_port" "${store_args[@]}"
  rss_sampler "$gateway_pid" "$work/rss-$store" 1
  log "gateway ($store store) on 127.0.0.1:$gateway_port"

  # Warm-up (JIT, connection pools, store connection): not recorded. Each gateway scenario's answer is measured after
  # its warm-up, so that its equal-terms baseline answers as many bytes.
  warm "$store" "$connections" "$gateway_port" $store_scenarios
  for scenario in $store_scenarios; do
    if [[ "$(base_of "$scenario")" == same-* ]]; then measure_answer "$scenario" "$gateway_port"; fi
  done
  for scenario in $store_scenarios; do
    run "$store" baseline "$(base_of "$scenario")" warmup 0 "$connections" 0 "$bare_port"
  done

  # Full load: rounds alternating baseline and gateway runs.
  for round in $(seq 1 "$rounds"); do
    log "$store: round $round/$rounds (full load, -t$threads -c$connections, ${duration}s each)"
    last_base=""
    for scenario in $store_scenarios; do
      base="$(base_of "$scenario")"
      if [[ "$base" != "$last_base" ]]; then
        run "$store" baseline "$base" full "$round" "$connections" 0 "$bare_port"
        last_base="$base"
      fi
      run "$store" gateway "$scenario" full "$round" "$connections" 0 "$gateway_port"
    done
  done

  # The CPU profile: one more allow run after the measured rounds, in a phase of its own ("profile", in no table), so
  # that no measured row (nor the half-load rate derived from it) carries what the profiler costs the gateway.
  if [[ "$profile" == 1 && "$store" == redis && " $store_scenarios " == *" allow "* ]]; then
    profile_start "$gateway_pid" "$duration"
    run "$store" gateway allow profile 0 "$connections" 0 "$gateway_port"
    profile_wait
  fi

  curl -fsS --max-time 10 "http://127.0.0.1:${port_metrics[$gateway_port]}/metrics" >"$report_dir/runs/gateway-$store.metrics.txt" 2>/dev/null || true

  # Half load: a fixed rate of half the gateway's median throughput, the same rate for the baseline.
  for scenario in $store_half_scenarios; do
    [[ " $store_scenarios " == *" $scenario "* ]] || continue
    base="$(base_of "$scenario")"
    gw="$(median_rps gateway "$scenario" "$store" full)"
    rate="$(python3 -c 'import sys; print(max(50, int(float(sys.argv[1]) / 2)))' "$gw")"
    log "$store: half load for $scenario at $rate req/s (-c$half_connections)"
    run "$store" baseline "$base" half 1 "$half_connections" "$rate" "$bare_port"
    run "$store" gateway "$scenario" half 1 "$half_connections" "$rate" "$gateway_port"
  done

  # The peers' benchmark (issue #52): a chat completion, non-streamed and streamed, 1 KiB request, at fixed rates,
  # bare YARP and the gateway at the same rate; "half" is half of bare YARP's highest rate for the chat request.
  if [[ "$peer_on" == 1 && "$store" == "$peer_store" && -n "$peer_rates" ]]; then
    log "$store: peers' benchmark (chat completion, 1 KiB request, fixed rates: $peer_rates)"
    run "$store" baseline chat warmup 0 "$connections" 0 "$bare_port"
    run "$store" baseline chatsse warmup 0 "$connections" 0 "$bare_port"
    warm "$store" "$connections" "$gateway_port" chat chatstream
    run "$store" baseline chat full 1 "$connections" 0 "$bare_port"
    bare_chat_max="$(median_rps baseline chat "$store" full)"
    peer_rates_held=()
    for peer_rate in $peer_rates; do
      rate="$peer_rate"
      [[ "$peer_rate" == half ]] && rate="$(python3 -c 'import sys; print(max(50, int(float(sys.argv[1]) / 2)))' "$bare_chat_max")"
      [[ "$rate" =~ ^[0-9]+$ ]] || { log "peers' benchmark: rate '$peer_rate' is not a number or half (skipped)"; continue; }
      peer_rates_held+=("$rate")
    done
    # The floor under the whole request: bare YARP waiting on N Redis round trips in turn before it forwards, then
    # spending M µs of CPU, nothing else of the gateway's (BareProxy's StoreWaits); scenario chat[waitsN+M], a baseline
    # row. Each floor proxy is started and warmed before the first round and runs its rows in every round beside bare
    # YARP's and the gateway's, so that a noisy minute falls on all of them.
    # "journal" is bare YARP making one durable journal write per request instead (BareProxy's JournalWait: a record
    # written into zeros on this machine's disk and fsynced), the embedded store's one wait; scenario chat[journal].
    floor_names=() floor_ports=() floor_pids=()
    for waits in $peer_floor; do
      if [[ "$waits" == journal ]]; then
        floor_args=("--StoreWaits:Journal=$work/floor-journal.bin") floor_what="one journal write (fsync)"
      elif [[ "$waits" =~ ^([1-9][0-9]?)(\+([0-9]{1,4}))?$ ]]; then
        [[ -n "${redis_port:-}" ]] || { log "peers' benchmark: floor '$waits' needs Redis (skipped on $store)"; continue; }
        floor_waits="${BASH_REMATCH[1]}" floor_work="${BASH_REMATCH[3]:-0}"
        floor_args=("--StoreWaits:Redis=127.0.0.1:$redis_port" "--StoreWaits:Count=$floor_waits" "--StoreWaits:WorkMicroseconds=$floor_work")
        floor_what="$floor_waits Redis round trips, then $floor_work µs of CPU"
        waits="waits$waits"
      else
        log "peers' benchmark: floor '$waits' is not N, N+M or journal (skipped)"
        continue
      fi
      floor_port="$(free_port)"
      if start_bare "$work/floor-$waits.log" "$floor_port" "${floor_args[@]}"; then
        log "$store: the floor, bare YARP waiting on $floor_what before it forwards ($floor_port)"
        floor_names+=("$waits") floor_ports+=("$floor_port") floor_pids+=("$started_pid")
        run "$store" baseline "chat[$waits]" warmup 0 "$connections" 0 "$floor_port"
      else
        log "the floor proxy ($waits) did not start: $(tail -3 "$work/floor-$waits.log" | tr '\n' ' ')"
        stop_pid "$started_pid"
      fi
    done
    for (( peer_round = 1; peer_round <= peer_rounds; peer_round++ )); do
      for rate in "${peer_rates_held[@]}"; do
        run "$store" baseline chat "rate$rate" "$peer_round" "$half_connections" "$rate" "$bare_port"
        run "$store" gateway chat "rate$rate" "$peer_round" "$half_connections" "$rate" "$gateway_port"
        run "$store" baseline chatsse "rate$rate" "$peer_round" "$half_connections" "$rate" "$bare_port"
        run "$store" gateway chatstream "rate$rate" "$peer_round" "$half_connections" "$rate" "$gateway_port"
        for i in "${!floor_ports[@]}"; do
          run "$store" baseline "chat[${floor_names[$i]}]" "rate$rate" "$peer_round" "$half_connections" "$rate" "${floor_ports[$i]}"
        done
      done
    done
    for pid in "${floor_pids[@]}"; do stop_pid "$pid"; done
    # The floor under the added latency: one store round trip alone at each rate (the gateway's own Redis client, one
    # nonce write at a time to the same Redis, nothing else running but the idle gateway and proxy). A chat request
    # makes two before it is forwarded (admission, decision record) and one before its response ends (outcome record).
    if [[ -n "${redis_port:-}" ]]; then
      for peer_rate in $peer_rates; do
        [[ "$peer_rate" =~ ^[0-9]+$ ]] || continue
        timeout 90 "$redis_client_bin" "127.0.0.1:$redis_port" roundtrip 10 "$peer_rate" >>"$report_dir/redis-roundtrip.jsonl" \
          2>>"$work/redis-client.log" || log "the Redis round-trip run at $peer_rate/s failed"
      done
      log "one store round trip alone: $(jq -s -c '[.[] | {rate, p50_us, p99_us, p999_us}]' "$report_dir/redis-roundtrip.jsonl" 2>/dev/null)"
    fi
  fi

  cp "$work/gateway-$store.log" "$report_dir/runs/gateway-$store.log" 2>/dev/null || true
  stop_pid "$gateway_pid"
  rss_record "$store" gateway "$work/rss-$store"
  [[ " $variant_stores " == *" $store "* ]] && run_variants "$store" "${store_args[@]}"
  stop_postgres
  if [[ -n "$redis_pid" ]]; then
    stop_pid "$redis_pid"
    redis_pid=""
  fi
done

# --- two replicas on one Redis ---------------------------------------------------------------------
# Both replicas take allow traffic at once (two wrk, half the connections each); the row is their
# sum. Each replica appends to its own audit chain per tenant, so there is nothing to conflict on;
# afterwards both chains must verify.
verify_audit() { # port -> the admin API's verify of tenant demo (JSON)
  local body
  body="$(curl -fsS --max-time 120 -H "Authorization: Bearer $admin_token" "http://127.0.0.1:$1/admin/v1/tenants/demo/audit/verify" 2>/dev/null || true)"
  jq -e . >/dev/null 2>&1 <<<"$body" && printf '%s\n' "$body" || echo '{"intact":null,"error":"verify failed"}'
}
conflicts_of() { # metrics port -> gateway.audit.append_conflicts summed over every partition from /metrics, or null when not exported
  local text
  text="$(curl -fsS --max-time 10 "http://127.0.0.1:$1/metrics" 2>/dev/null || true)"
  awk '/^gateway_audit_append_conflicts_total[{ ]/ {sum += $NF; found = 1} END {if (found) print sum; else print "null"}' <<<"$text"
}
# run_group <label> <round> <phase> <tenants csv> <ports...>: one wrk per replica at once, each with its own corpus (signed
# for the tenants in turn), the connections shared among them; one combined row (loadtests/sum_wrk.py).
run_group() {
  local label="$1" round="$2" phase="$3" tenants="$4" seconds="$duration"
  shift 4
  local ports=("$@")
  [[ "$phase" == warmup ]] && seconds="$warmup"
  local share=$(( connections / ${#ports[@]} > 1 ? connections / ${#ports[@]} : 1 )) count outs=() wrk_pids=() port
  count="$(corpus_size "gateway/allow" "$seconds")"
  rm -rf "$work/corpus" && mkdir -p "$work/corpus"
  for port in "${ports[@]}"; do
    "$corpus_bin" --out "$work/corpus/$port" --count "$count" --shards "$threads" --host "127.0.0.1:$port" \
      --method POST --target /v1/actions/invoke-tool --body "$(gw_body allow)" \
      --tenants "$tenants" --workspace ws-demo --agent demo-agent --secret-env LOADTEST_AGENT_SECRET >/dev/null
  done
  for port in "${ports[@]}"; do
    local out="$report_dir/runs/$label-gateway-allow-$phase-r$round-$port.txt"
    outs+=("$out")
    CORPUS_HEADER="$(allow_header allow)" timeout $(( seconds + 60 )) wrk -t "$threads" -c "$share" -d "${seconds}s" --timeout 5s --latency -s "$lua" \
      "http://127.0.0.1:$port" -- "$work/corpus/$port" 200 >"$out" 2>&1 &
    wrk_pids+=("$!")
  done
  for pid in "${wrk_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work/corpus"
  local json
  json="$(python3 "$root/loadtests/sum_wrk.py" "${outs[@]}")"
  local rps; rps="$(jq -r '.rps' <<<"$json")"
  if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2] or 0) else 1)" "$rps" "${best_rps[gateway/allow]:-0}"; then
    best_rps[gateway/allow]="$rps"
  fi
  log "  $(printf '%-52s' "$label-gateway-allow-$phase-r$round") $(jq -r '"\(.rps) req/s (per replica \(.replicas|tostring))  p99 \(.latency_us.p99 // "-")us  unexpected \(.unexpected)  statuses \(.statuses|tostring)"' <<<"$json")"
  if [[ "$phase" != warmup ]]; then
    jq -c --arg store "$label" --argjson round "$round" --argjson conns "$connections" --argjson threads "$threads" \
      '{store:$store, target:"gateway", scenario:"allow", phase:"full", round:$round, connections:$conns, threads:$threads, rate:0, expect:"200", name:($store + "-gateway-allow-full-r" + ($round|tostring))} + .' \
      <<<"$json" >>"$results"
  fi
}
run_pair() { # round phase ports...   (two wrk at once, each with its own corpus; one combined row)
  run_group redis-2x "$1" "$2" demo "$3" "$4"
}

if [[ "$replicas_on" == 1 ]] && [[ " $scenarios " == *" allow "* ]]; then
  start_redis
  replica_ports=("$(free_port)" "$(free_port)")
  metrics_ports=("$(free_port)" "$(free_port)")
  replica_pids=()
  for i in 0 1; do
    # Each replica serves Prometheus /metrics on a port of its own (the conflict counter is read there).
    start_gateway "replica-$i" "${replica_ports[$i]}" --Gateway:Store:Kind=redis "--Gateway:Store:Redis:Endpoint=127.0.0.1:$redis_port" \
      "--Gateway:Audit:ReplicaId=replica-$i" "--Gateway:Metrics:Port=${metrics_ports[$i]}"
    replica_pids+=("$gateway_pid")
    rss_sampler "$gateway_pid" "$work/rss-replica-$i" 1
  done
  log "two replicas on one Redis: 127.0.0.1:${replica_ports[0]} and 127.0.0.1:${replica_ports[1]}"
  run redis-2x baseline get warmup 0 "$connections" 0 "$bare_port"
  run_pair 0 warmup "${replica_ports[@]}"
  for round in $(seq 1 "$rounds"); do
    log "redis-2x: round $round/$rounds"
    run redis-2x baseline get full "$round" "$connections" 0 "$bare_port"
    run_pair "$round" full "${replica_ports[@]}"
  done
  verify_a="$(verify_audit "${replica_ports[0]}")"
  verify_b="$(verify_audit "${replica_ports[1]}")"
  conflicts_a="$(conflicts_of "${metrics_ports[0]}")"
  conflicts_b="$(conflicts_of "${metrics_ports[1]}")"
  jq -n --argjson a "$verify_a" --argjson b "$verify_b" --argjson ca "$conflicts_a" --argjson cb "$conflicts_b" \
    '{verify_on_replica_0:$a, verify_on_replica_1:$b, append_conflicts:{"replica-0":$ca, "replica-1":$cb}}' >"$report_dir/replicas.json"
  log "audit after the run: $(jq -c '{intact: .verify_on_replica_0.intact, records: .verify_on_replica_0.records, chains: [.verify_on_replica_0.partitions[]? | {replica, intact, records}], conflicts: .append_conflicts}' "$report_dir/replicas.json")"
  for i in 0 1; do
    stop_pid "${replica_pids[$i]}"
    rss_record redis-2x "replica-$i" "$work/rss-replica-$i"
  done
  stop_pid "$redis_pid"
  redis_pid=""
fi

# --- scale-out: one, two and three replicas over a three-primary Redis Cluster -------------------
# Six redis-server in cluster mode (three primaries, a replica each) on free ports, each in a directory of its own, joined
# with redis-cli --cluster create. Three extra tenants (copies of the load-test tenant) are picked so that their hash
# slots ({tenant}) lie on the three primaries; each replica's corpus signs requests for the three in turn, so every
# replica's traffic spreads over every shard. Each replica keeps its own audit chain per tenant.
cluster_dirs="" cluster_pids=() cluster_ports=()
start_redis_cluster() { # sets cluster_ports (client ports), cluster_pids
  cluster_dirs="$work/redis-cluster"
  rm -rf "$cluster_dirs" && mkdir -p "$cluster_dirs"
  cluster_ports=() cluster_pids=()
  local i port
  for i in 0 1 2 3 4 5; do
    port="$(free_port)"
    mkdir -p "$cluster_dirs/$i"
    start "$cluster_dirs/$i.log" redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --protected-mode yes \
      --dir "$cluster_dirs/$i" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-port "$(free_port)" \
      --cluster-node-timeout 2000
    cluster_pids+=("$started_pid")
    cluster_ports+=("$port")
  done
  for port in "${cluster_ports[@]}"; do
    for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.2; done
  done
  local endpoints=()
  for port in "${cluster_ports[@]}"; do endpoints+=("127.0.0.1:$port"); done
  timeout 60 redis-cli --cluster create "${endpoints[@]}" --cluster-replicas 1 --cluster-yes >"$cluster_dirs/create.log" 2>&1 \
    || { cat "$cluster_dirs/create.log" >&2; echo "loadtest: the Redis Cluster could not be created" >&2; exit 1; }
  local deadline=$(( $(date +%s) + 60 ))
  until [[ "$(for port in "${cluster_ports[@]}"; do redis-cli -p "$port" CLUSTER INFO; done | awk '/^cluster_state:ok/ {n++} END {print n + 0}')" == 6 ]] \
    && [[ "$(for port in "${cluster_ports[@]}"; do redis-cli -p "$port" INFO replication; done | awk '/^master_link_status:up/ {n++} END {print n + 0}')" == 3 ]]; do
    (( $(date +%s) < deadline )) || { echo "loadtest: the Redis Cluster did not become healthy" >&2; exit 1; }
    sleep 0.2
  done
  log "Redis Cluster: three primaries, three replicas on 127.0.0.1:{$(IFS=,; echo "${cluster_ports[*]}")}"
}
stop_redis_cluster() {
  local pid
  for pid in "${cluster_pids[@]}"; do stop_pid "$pid"; done
  cluster_pids=()
}
# The first tenant name scale-N whose hash slot lies in each of the cluster's three slot ranges (as redis-cli assigns them).
scale_tenants() {
  local range lo hi n slot
  for range in "0 5460" "5461 10922" "10923 16383"; do
    read -r lo hi <<<"$range"
    for n in $(seq 0 200); do
      slot="$(redis-cli -p "${cluster_ports[0]}" CLUSTER KEYSLOT "{scale-$n}")"
      if (( slot >= lo && slot <= hi )); then echo "scale-$n"; break; fi
    done
  done
}
# One configuration of the scale-out row: <replicas> gateways (extra gateway arguments after) on the cluster, warmed up,
# measured, then every tenant's chains verified and every replica's conflict counter read into scaleout.jsonl.
run_scaleout() { # label replicas tenants-csv [gateway args...]
  local label="$1" count="$2" tenants="$3"
  shift 3
  local endpoints=() i port ports=() metrics=() gw_pids=()
  for i in "${!cluster_ports[@]}"; do endpoints+=("--Gateway:Store:Redis:Endpoints:$i=127.0.0.1:${cluster_ports[$i]}"); done
  for (( i = 0; i < count; i++ )); do
    port="$(free_port)"
    ports+=("$port")
    metrics+=("$(free_port)")
    start_gateway "$label-$i" "$port" --Gateway:Store:Kind=redis --Gateway:Store:Redis:Topology=cluster "${endpoints[@]}" \
      "--Gateway:Policy:BundlePath=$work/bundle-scale" "--Gateway:Audit:ReplicaId=$label-replica-$i" "--Gateway:Metrics:Port=${metrics[$i]}" "$@"
    gw_pids+=("$gateway_pid")
    rss_sampler "$gateway_pid" "$work/rss-$label-$i" 1
  done
  log "$label: $count replica(s) on the Redis Cluster ($*): 127.0.0.1:{$(IFS=,; echo "${ports[*]}")}"
  run_group "$label" 0 warmup "$tenants" "${ports[@]}"
  for round in $(seq 1 "$rounds"); do
    log "$label: round $round/$rounds"
    run_group "$label" "$round" full "$tenants" "${ports[@]}"
  done
  local verifies="[]" conflicts="{}" tenant body
  for tenant in ${tenants//,/ }; do
    body="$(curl -fsS --max-time 120 -H "Authorization: Bearer $admin_token" "http://127.0.0.1:${ports[0]}/admin/v1/tenants/$tenant/audit/verify" 2>/dev/null || true)"
    jq -e . >/dev/null 2>&1 <<<"$body" || body='{"intact":null,"error":"verify failed"}'
    verifies="$(jq -c --arg t "$tenant" --argjson v "$body" '. + [{tenant:$t} + $v]' <<<"$verifies")"
  done
  for i in "${!ports[@]}"; do
    conflicts="$(jq -c --arg r "$label-replica-$i" --argjson c "$(conflicts_of "${metrics[$i]}")" '. + {($r):$c}' <<<"$conflicts")"
  done
  jq -cn --arg name "$label" --argjson replicas "$count" --arg args "$*" --argjson verify "$verifies" --argjson conflicts "$conflicts" \
    '{"label":$name, replicas:$replicas, gateway_args:$args, verify:$verify, append_conflicts:$conflicts}' >>"$report_dir/scaleout.jsonl"
  log "$label: audit after the run: $(jq -c '{chains: [.verify[] | {tenant, intact, records, chains: ((.partitions // []) | length)}], conflicts: .append_conflicts}' <<<"$(tail -1 "$report_dir/scaleout.jsonl")")"
  for i in "${!gw_pids[@]}"; do
    stop_pid "${gw_pids[$i]}"
    rss_record "$label" "replica-$i" "$work/rss-$label-$i"
  done
}

if [[ "$scaleout_on" == 1 ]] && [[ " $scenarios " == *" allow "* ]]; then
  start_redis_cluster
  mapfile -t tenants_scale < <(scale_tenants)
  (( ${#tenants_scale[@]} == 3 )) || { echo "loadtest: no tenant found for every slot range" >&2; exit 1; }
  rm -rf "$work/bundle-scale" && cp -r "$work/bundle" "$work/bundle-scale"
  for tenant in "${tenants_scale[@]}"; do
    sed -e "s/^tenant: demo$/tenant: $tenant/" -e "s|$work/credentials/demo/|$work/credentials/$tenant/|g" \
      "$work/bundle/loadtest.yaml" >"$work/bundle-scale/$tenant.yaml"
    rm -rf "$work/credentials/$tenant" && cp -r "$work/credentials/demo" "$work/credentials/$tenant"
  done
  : >"$report_dir/scaleout.jsonl"
  tenants_csv="$(IFS=,; echo "${tenants_scale[*]}")"
  log "scale-out tenants (one per primary): $tenants_csv"
  for count in 1 2 3; do
    run_scaleout "cluster-${count}x" "$count" "$tenants_csv"
  done
  # The cost of waiting for a replica on every write: one replica again, without the wait.
  run_scaleout "cluster-1x-nowait" 1 "$tenants_csv" --Gateway:Store:Redis:ReplicaAcknowledgements=0
  stop_redis_cluster
fi

# --- the gateway's Redis client against redis-benchmark -------------------------------------------
if [[ "$redis_bench" == 1 ]] && command -v redis-benchmark >/dev/null; then
  start_redis
  : >"$report_dir/redis-bench.jsonl"
  bench_seconds=$(( duration > 3 ? duration : 3 ))
  for command in setnx admit admit-per-request; do
    timeout $(( bench_seconds + 60 )) "$redis_client_bin" "127.0.0.1:$redis_port" "$command" "$bench_seconds" "$connections" \
      >>"$report_dir/redis-bench.jsonl" 2>"$work/redis-client.log" || log "the Redis client run ($command) failed"
  done
  # redis-benchmark: the nonce write exactly as the gateway sends it, same connection count, no pipelining.
  requests=$(( $(jq -s -r '[.[] | select(.command=="setnx") | .ops_per_s] | first // 20000' "$report_dir/redis-bench.jsonl" | cut -d. -f1) * bench_seconds ))
  (( requests < 10000 )) && requests=10000
  csv="$(timeout $(( bench_seconds * 5 + 60 )) redis-benchmark -p "$redis_port" -c "$connections" -n "$requests" -r 100000000 --csv \
    SET 'gw:{bench}:nonce:agent:__rand_int__' 1700000000 NX PX 300000 2>/dev/null | tail -1 || true)"
  rps="$(python3 -c 'import csv, io, sys; rows = list(csv.reader(io.StringIO(sys.argv[1]))); print(rows[-1][1] if rows and len(rows[-1]) > 1 else 0)' "$csv")"
  jq -cn --arg rps "$rps" --argjson c "$connections" --argjson n "$requests" \
    '{client:"redis-benchmark", command:"setnx", concurrency:$c, ops:$n, ops_per_s:($rps|tonumber? // 0), errors:0}' >>"$report_dir/redis-bench.jsonl"
  log "redis clients: $(jq -s -c '[.[] | {client, command, ops_per_s}]' "$report_dir/redis-bench.jsonl")"
  stop_pid "$redis_pid"
  redis_pid=""
fi

# --- soak: one scenario for LOADTEST_SOAK seconds on LOADTEST_SOAK_STORE, RSS every minute ---------
if (( soak > 0 )); then
  soak_port="$(free_port)"
  if [[ "$soak_store" == memory ]]; then
    start_gateway soak "$soak_port" --Gateway:Store:Kind=memory
  else
    start_redis
    start_gateway soak "$soak_port" --Gateway:Store:Kind=redis "--Gateway:Store:Redis:Endpoint=127.0.0.1:$redis_port"
  fi
  soak_pid="$gateway_pid"
  rss_sampler "$soak_pid" "$work/rss-soak" 60
  soak_conns="$connections"
  (( soak_rate > 0 )) && soak_conns="$half_connections"
  log "soak: allow ($soak_store store) for ${soak}s at $( (( soak_rate > 0 )) && echo "$soak_rate req/s" || echo "full load"), RSS every 60 s"
  soak_end=$(( $(date +%s) + soak ))
  saved_duration="$duration"
  chunk=0
  while (( $(date +%s) < soak_end )); do
    left=$(( soak_end - $(date +%s) ))
    duration=$(( left < 60 ? (left > 1 ? left : 1) : 60 ))
    chunk=$(( chunk + 1 ))
    run soak gateway allow full "$chunk" "$soak_conns" "$soak_rate" "$soak_port"
  done
  duration="$saved_duration"
  # What the RSS is made of at the end: resident KiB by mapping (a file, or anonymous memory: the GC heap, the JIT's code,
  # native allocations), largest first.
  awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6 ? $6 : "[anonymous]") } /^Rss:/ { rss[name] += $2 }
       END { for (n in rss) if (rss[n] > 0) printf "%d\t%s\n", rss[n], n }' "/proc/$soak_pid/smaps" 2>/dev/null \
    | sort -rn >"$report_dir/soak-rss-by-mapping.txt" || true
  # Beside it, the runtime's own figures at the end: the GC heap by generation after the last collection, the memory the
  # GC has committed, the JIT's compiled methods and bytes (the System.Runtime meter on /metrics).
  scrape_metrics "${port_metrics[$soak_port]:-}" "$work/soak-metrics"
  grep '^dotnet_' "$work/soak-metrics" >"$report_dir/soak-runtime-metrics.txt" || true
  stop_pid "$soak_pid"
  cp "$work/rss-soak" "$report_dir/soak-rss-kb.txt" 2>/dev/null || true
  rss_record soak gateway "$work/rss-soak"
  if [[ -n "$redis_pid" ]]; then
    stop_pid "$redis_pid"
    redis_pid=""
  fi
fi

# --- profile summary -----------------------------------------------------------------------------
if [[ -n "$trace_bin" ]]; then
  speedscope="$(ls "$report_dir"/allow-redis*.speedscope.json 2>/dev/null | head -1 || true)"
  if [[ -n "$speedscope" ]]; then
    python3 "$root/loadtests/profile.py" "$speedscope" "$(median_rps gateway allow redis profile)" "$duration" >"$report_dir/profile.md" \
      || log "the profile could not be summarised"
  else
    log "no profile was written (see runs/trace.log)"
  fi
fi

# --- report --------------------------------------------------------------------------------------
# tree_changes: what git reports changed in the tree, the report being written left out (kept in the tree, it is new).
tree_changes() {
  local own; own="$(realpath "$report_dir")"
  if [[ "$own" == "$(realpath "$root")"/* ]]; then
    git -C "$root" status --porcelain -- . ":(exclude)$own" 2>/dev/null
  else
    git -C "$root" status --porcelain 2>/dev/null
  fi
}

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
  echo "  \"dirty\": $( [[ -n "$(tree_changes)" ]] && echo true || echo false),"
  echo "  \"duration_s\": $duration, \"rounds\": $rounds, \"threads\": $threads, \"connections\": $connections, \"half_connections\": $half_connections,"
  echo "  \"gateway_env\": $(jq -n --arg v "${LOADTEST_GATEWAY_ENV:-}" '$v'), \"image_runtime_env\": $(jq -n --arg v "${image_runtime_env[*]}" '$v'), \"soak_s\": $soak, \"soak_store\": \"$soak_store\","
  echo "  \"prefer\": $(jq -n --arg v "$prefer" '$v'),"
  echo "  \"gateway_bin\": $(jq -n --arg v "${LOADTEST_GATEWAY_BIN:-}" '$v'),"
  echo "  \"variants\": $(jq -n --arg v "$variants" '$v'),"
  echo "  \"jit_quiet_percent\": $(jq -n --arg v "$jit_quiet" '$v | tonumber? // null'),"
  echo "  \"elapsed_s\": $(( $(date +%s) - started_at ))"
  echo "}"
} >"$report_dir/environment.json"
python3 "$root/loadtests/report.py" "$report_dir"
log "report: $report_dir/report.md"
