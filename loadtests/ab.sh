#!/usr/bin/env bash
# Runtime-settings A/B for the gateway's allow path: alternates variants round by round (A B A B …), each
# round a short loadtests/run.sh of the allow scenario on one store, so that a noisy neighbour hits every
# variant alike; each variant's score is its median ratio to bare YARP measured in the same run.
#
#   loadtests/ab.sh [variant ...]     a variant is NAME or NAME:ENV=VALUE,ENV=VALUE (environment) or
#                                     NAME:--Key=Value,… (gateway arguments); "default" is the shipped settings
#
#   AB_ROUNDS=3 AB_DURATION=5 AB_STORE=redis AB_SCENARIO=allow   (all other LOADTEST_* knobs pass through; the peers'
#   rows, run.sh's own variants and the scale-out are off unless LOADTEST_PEER, LOADTEST_VARIANTS, LOADTEST_SCALEOUT ask)
#   LOADTEST_WARMUP=10 by default: with a few seconds, tiered PGO is still instrumenting and a variant
#   that only warms up faster (DOTNET_TieredPGO=0) looks a third better than it is at steady state.
#
# Built-in variants (used when none is given):
#   default                                   the gateway as shipped
#   workstation-gc   DOTNET_gcServer=0        one heap, no per-core GC threads (background GC on)
#   workstation-nonconcurrent   DOTNET_gcServer=0 DOTNET_gcConcurrent=0   one heap, no background GC thread
#   server-no-datas  DOTNET_GCDynamicAdaptationMode=0   Server GC with a heap per core, not adapted at run time
#   gen0-64m         DOTNET_GCgen0size=0x4000000   a 64 MiB gen0 budget: fewer gen0 collections
#   inline-sockets   DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1   socket continuations on the event thread; the
#                                             runtime's half only: Kestrel still hands each read to the pool (both
#                                             halves: --Gateway:Server:InlineScheduling=true)
#   no-spin          DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0   idle pool threads sleep at once instead of spinning
#   no-tiered-pgo    DOTNET_TieredPGO=0       no instrumented tier before the optimised one
# Another worth a run: max-conn-256:--Kestrel:Limits:MaxConcurrentConnections=256.
# Two builds alternated: LOADTEST_GATEWAY_BIN=<a script that runs exec "$GW_BIN" "$@"> and variants
# NAME:GW_BIN=<publish>/gateway, one per build (build/image-publish.sh <publish> in each build's checkout).
# Kestrel's AllowSynchronousIO is already false by default (and the gateway never turns it on).
#
# Writes artifacts/loadtests/reports/ab-<UTC stamp>/ab.jsonl (one line per variant and round) and ab.md (the table);
# LOADTEST_REPORTS=loadtests/reports keeps it in the tree instead, for a document to cite.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${AB_ROUNDS:-3}"
duration="${AB_DURATION:-5}"
store="${AB_STORE:-redis}"
scenario="${AB_SCENARIO:-allow}"
variants=("$@")
if [[ ${#variants[@]} -eq 0 ]]; then
  variants=(
    "default"
    "workstation-gc:DOTNET_gcServer=0"
    "workstation-nonconcurrent:DOTNET_gcServer=0,DOTNET_gcConcurrent=0"
    "server-no-datas:DOTNET_GCDynamicAdaptationMode=0"
    "gen0-64m:DOTNET_GCgen0size=0x4000000"
    "inline-sockets:DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1"
    "no-spin:DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0"
    "no-tiered-pgo:DOTNET_TieredPGO=0"
  )
fi
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="${LOADTEST_REPORTS:-$root/artifacts/loadtests/reports}/ab-$stamp"
mkdir -p "$out/runs"
: >"$out/ab.jsonl"

skip_build="${LOADTEST_SKIP_BUILD:-}"
for round in $(seq 1 "$rounds"); do
  for variant in "${variants[@]}"; do
    name="${variant%%:*}"
    settings=""
    [[ "$variant" == *:* ]] && settings="${variant#*:}"
    env_list="" args_list=""
    IFS=',' read -r -a parts <<<"$settings"
    for part in "${parts[@]}"; do
      [[ -z "$part" ]] && continue
      if [[ "$part" == --* ]]; then args_list+=" $part"; else env_list+=" $part"; fi
    done
    echo "ab: round $round/$rounds, variant $name (env:${env_list:- none}; args:${args_list:- none})"
    LOADTEST_SKIP_BUILD="$skip_build" LOADTEST_REPORTS="$out/runs" LOADTEST_STORES="$store" LOADTEST_SCENARIOS="$scenario" \
      LOADTEST_PEER="${LOADTEST_PEER:-0}" LOADTEST_VARIANTS="${LOADTEST_VARIANTS:-}" LOADTEST_SCALEOUT="${LOADTEST_SCALEOUT:-0}" \
      LOADTEST_HALF_SCENARIOS="" LOADTEST_REFERENCE=0 LOADTEST_REPLICAS=0 LOADTEST_REDIS_BENCH=0 LOADTEST_PROFILE=0 LOADTEST_SOAK=0 \
      LOADTEST_ROUNDS="${LOADTEST_ROUNDS:-1}" LOADTEST_DURATION="$duration" LOADTEST_WARMUP="${LOADTEST_WARMUP:-10}" \
      LOADTEST_GATEWAY_ENV="${LOADTEST_GATEWAY_ENV:-}$env_list" LOADTEST_GATEWAY_ARGS="${LOADTEST_GATEWAY_ARGS:-}$args_list" \
      "$root/loadtests/run.sh" >"$out/runs/$name-r$round.log" 2>&1 || { echo "ab: $name round $round failed (see $out/runs/$name-r$round.log)" >&2; continue; }
    skip_build=1
    report="$(ls -d "$out"/runs/2*/ | tail -1)report.json"
    python3 - "$report" "$name" "$round" "$store" "$scenario" >>"$out/ab.jsonl" <<'PY'
import json, sys
report, name, round_, store, scenario = sys.argv[1:]
data = json.load(open(report, encoding="utf-8"))
row = next((c for c in data.get("comparisons", []) if c.get("store") == store and c.get("scenario") == scenario and c.get("phase") == "full"), {})
gw = next((s for s in data.get("summary", []) if s.get("store") == store and s.get("scenario") == scenario and s.get("target") == "gateway" and s.get("phase") == "full"), {})
bare = next((s for s in data.get("summary", []) if s.get("store") == store and s.get("scenario") == "same-" + scenario and s.get("target") == "baseline" and s.get("phase") == "full"), {})
print(json.dumps({"variant": name, "round": int(round_), "ratio": row.get("throughput_ratio"), "gateway_rps": gw.get("rps_median"),
                  "p99_us": gw.get("p99_us"), "status_5xx": row.get("status_5xx"),
                  "gateway_cpu_us": (gw.get("cpu_us_per_request") or {}).get("target"),
                  "bare_cpu_us": (bare.get("cpu_us_per_request") or {}).get("target"),
                  "allocated_bytes": gw.get("allocated_bytes_per_request"), "report": report}))
PY
    mv "$(dirname "$report")" "$out/runs/$name-r$round"
  done
done

python3 - "$out" <<'PY'
import json, statistics, sys, os
out = sys.argv[1]
rows = [json.loads(l) for l in open(os.path.join(out, "ab.jsonl"), encoding="utf-8") if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["variant"], []).append(r)
lines = ["# Runtime settings A/B", "", "Variants alternated round by round; ratio = gateway / bare YARP in the same run (median over rounds);",
         "CPU x bare = the gateway's CPU per request / bare YARP's in the same run, which a machine whose speed drifts moves less.", "",
         "| variant | rounds | median ratio | ratios | median gateway req/s | gateway CPU µs/request (median) | CPU x bare (median) | CPU x bare | 5xx |",
         "|---|---:|---:|---|---:|---:|---:|---|---:|"]
for name, rs in by.items():
    ratios = [r["ratio"] for r in rs if r["ratio"] is not None]
    rps = [r["gateway_rps"] for r in rs if r["gateway_rps"] is not None]
    cpu = [r["gateway_cpu_us"] for r in rs if r.get("gateway_cpu_us") is not None]
    cpu_cell = f"{statistics.median(cpu):.0f}" if cpu else "-"
    times = [r["gateway_cpu_us"] / r["bare_cpu_us"] for r in rs if r.get("gateway_cpu_us") and r.get("bare_cpu_us")]
    times_cells = f"{statistics.median(times):.2f} | {', '.join(f'{x:.2f}' for x in times)}" if times else "- | -"
    lines.append(f"| {name} | {len(rs)} | {statistics.median(ratios):.3f} | {', '.join(f'{x:.3f}' for x in ratios)} | "
                 f"{statistics.median(rps):.0f} | {cpu_cell} | {times_cells} | {sum(r.get('status_5xx') or 0 for r in rs)} |" if ratios else f"| {name} | {len(rs)} | - | - | - | - | - | - | - |")
open(os.path.join(out, "ab.md"), "w", encoding="utf-8").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
echo "ab: report in $out"
