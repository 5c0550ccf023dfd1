#!/usr/bin/env python3
"""Turns loadtests/run.sh's results into report.json, report.md and a chart of the percentiles.

Usage: report.py REPORT_DIR   (reads results.jsonl and environment.json from it)

Per store, phase, scenario and target the rounds are reduced to their medians (throughput and each
percentile); the gateway's figures are compared with the baseline run of the same store and phase,
on equal terms (issue #52): for allow/block/ratelimited the bare YARP proxy's POST of the same body to
an upstream endpoint that answers as many bytes as the gateway answered; for stream and the peers'
chat scenarios its POST of the same chat body to the upstream's chat endpoint. Standard library only; the chart is a PNG through gnuplot when it is
installed, and an SVG rendered here in any case.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys

BASE_OF = {"allow": "same-allow", "block": "same-block", "ratelimited": "same-ratelimited", "stream": "sse",
           "chat": "chat", "chatstream": "chatsse"}
SCENARIO_TEXT = {
    "get": "reference: bare YARP, GET /crm/contacts/42 -> upstream (the comparison before issue #52)",
    "same-allow": "bare YARP, equal terms: POST of allow's body -> upstream answering as many bytes as the gateway's allow answer",
    "same-block": "bare YARP, equal terms: POST of block's body -> upstream answering as many bytes as the gateway's 403",
    "same-ratelimited": "bare YARP, equal terms: POST of ratelimited's body -> upstream answering as many bytes as the gateway's 429",
    "chat": "chat completion, 1 KiB request, non-streamed (bare YARP: /v1/chat/completions; gateway: /providers/openai/chat/completions)",
    "chatsse": "bare YARP: chat completion, 1 KiB request, streamed -> upstream SSE",
    "chatstream": "gateway: chat completion, 1 KiB request, streamed, /providers/openai/chat/completions -> SSE",
    "sse": "bare YARP: POST /v1/chat/completions (stream) -> upstream SSE",
    "allow": "gateway: invoke-tool crm.read_contact (signed, decided, forwarded) -> 200",
    "block": "gateway: invoke-tool shell.exec (signed, decided, refused) -> 403",
    "ratelimited": "gateway: invoke-tool crm.read_contact_throttled (10/min) -> 429",
    "stream": "gateway: /providers/openai/chat/completions stream -> SSE",
    "direct": "reference: GET /crm/contacts/42 straight to the upstream (the limit)",
    "nginx": "reference: Debian nginx, one worker, keep-alive to the upstream, as a plain reverse proxy",
}
ORDER = ["get", "same-allow", "allow", "same-block", "block", "same-ratelimited", "ratelimited", "sse", "stream", "chat", "chatsse", "chatstream"]
# gateway.request.stage.duration's stages, in request order (loadtests/histograms.py reads them from /metrics).
STAGES = ["authenticate", "describe", "admit", "decide", "record", "enforce", "forward", "respond"]
# The targets of issue #13 (ratios to bare YARP measured in the same run).
# Issue #33's targets (ratios to bare YARP, or to the SSE baseline for stream, measured in one run).
RATIO_TARGETS = {"allow": 0.45, "block": 0.8, "ratelimited": 1.0, "stream": 0.4}
POSTGRES_ALLOW_TARGET = 0.3
P99_TARGET_US = 3000
# Issue #52's targets: CPU per allowed request at the same fixed rate, the peers' chat benchmark, allocations.
CPU_RATIO_TARGET = 2.5
EQUAL_ALLOW_TARGET = 0.35
PEER_P99_TARGET_US = 1000
PEER_RATE = 3000
ALLOCATED_TARGET_BYTES = 20 * 1024
REDIS_CPU_TARGET_US = 25
GATEWAY_CPU_TARGET_US = 150
# Issue #71's targets, by the machine's cores: the 2-core set below HOT_PATH_CORES, the 16-core set from it up; each
# beside bare YARP in the same run. Store calls before forwarding are counted at 1,000/s (where batching cannot hide them).
HOT_PATH_CORES = 16
HOT_PATH_SMALL = {"rate": 1000, "allow": 0.5, "cpu_ratio": 2.0, "p99_over_floor_us": 500}
HOT_PATH_LARGE = {"rate": 3000, "allow": 0.35, "cpu_ratio": 2.0, "p50_us": 250, "p99_us": 750}
HOT_PATH_CALLS_RATE = 1000
HOT_PATH_RSS_MIB = 150
# Store operations that come after the answer (the outcome's append, alone or with its settle): not before forwarding.
AFTER_ANSWER_OPERATIONS = ("log_append", "log_append_settle")
# Audit bytes per allowed request before records by digest: report 20261123T161003Z (commit 831f24a's
# parent, explanations inline; the report is in git history, added by bff148f5), the audit/export measure
# below; the target is at least 4x smaller.
RECORD_BYTES_BEFORE = 2729


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def base_scenario(scenario):
    """scenario[label] (a LOADTEST_VARIANTS row) is that scenario: allow[unbatched] is allow, stream[label] stream."""
    return scenario.split("[", 1)[0]


def split(runs, field):
    """Per stage (or audit phase), the medians over the rounds of: its mean, p50 and p99 (µs), how many
    times it ran per request, and the µs it took per request (its sum over the run / the run's requests
    as the total stage counted them)."""
    names = []
    for r in runs:
        names += [n for n in r.get(field, {}) if n not in names]
    out = {}
    for name in names:
        rows = []
        for r in runs:
            entry = r.get(field, {}).get(name)
            total = (r.get("stages", {}).get("total") or {}).get("count")
            if entry:
                rows.append((entry, total))
        out[name] = {
            "mean_us": median([e.get("mean_us") for e, _ in rows]),
            "p50_us": median([e.get("p50_us") for e, _ in rows]),
            "p99_us": median([e.get("p99_us") for e, _ in rows]),
            "per_request": median([e["count"] / t if t else None for e, t in rows]),
            "us_per_request": median([e["sum_us"] / t if t else None for e, t in rows]),
        }
    return out


def redis_figures(runs):
    """Per request, the medians over the rounds of what the runs cost Redis (run.sh's loadtests/redis_stats.py):
    commands by name and summed, script runs, used_memory's growth and the keys added; the keys in Redis after the
    last of the runs; and per script run, its time on redis-server's clock (mean, p50, p99)."""
    rows = [r["redis"] for r in runs if r.get("redis")]
    if not rows:
        return None
    commands = []
    for row in rows:
        commands += [c for c in row.get("commands_per_request", {}) if c not in commands]
    by_command = {c: median([row.get("commands_per_request", {}).get(c, 0.0) for row in rows]) for c in commands}
    return {
        "rounds": len(rows),
        "script_runs_per_request": median([row.get("script_runs_per_request") for row in rows]),
        "commands_per_request": median([row.get("commands_total_per_request") for row in rows]),
        "by_command": dict(sorted(by_command.items(), key=lambda item: (-item[1], item[0]))),
        "memory_bytes_per_request": median([row.get("memory_bytes_per_request") for row in rows]),
        "keys_after": rows[-1].get("keys_after"),
        "keys_added_per_request": median([row.get("keys_added_per_request") for row in rows]),
        "script_us_per_run": median([row.get("script_us_per_run") for row in rows]),
        "script_p50_us": median([row.get("script_latency_us", {}).get("p50") for row in rows]),
        "script_p99_us": median([row.get("script_latency_us", {}).get("p99") for row in rows]),
    }


def store_calls(summary):
    """The key figure of issue #32, per allow row of the gateway (variants too), full load then half load: the
    gateway's store calls per request by operation and summed, and what the requests cost Redis."""
    out = []
    for phase in ("full", "half"):
        for r in ordered(summary, phase):
            if r["target"] != "gateway" or base_scenario(r["scenario"]) != "allow":
                continue
            if not r.get("store_operations") and not r.get("redis"):
                continue
            by_operation = {op: f["per_request"] for op, f in r.get("store_operations", {}).items()}
            out.append({
                "store": r["store"], "phase": phase, "scenario": r["scenario"],
                "store_calls_per_request": sum(v for v in by_operation.values() if v is not None) if by_operation else None,
                "by_operation": by_operation,
                "admissions_per_batch": r.get("admissions_per_batch"),
                "redis": r.get("redis"),
            })
    return out


def read_jsonl(path):
    rows = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if line:
                    rows.append(json.loads(line))
    return rows


def read_json(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load(report_dir):
    rows = read_jsonl(os.path.join(report_dir, "results.jsonl"))
    env = read_json(os.path.join(report_dir, "environment.json")) or {}
    return rows, env


def extras(report_dir):
    """RSS per gateway, the two-replica audit check, the Redis client comparison, the soak series."""
    soak_path = os.path.join(report_dir, "soak-rss-kb.txt")
    soak = []
    if os.path.exists(soak_path):
        with open(soak_path, encoding="utf-8") as handle:
            soak = [int(x) for x in handle if x.strip()]
    return {
        "rss": read_jsonl(os.path.join(report_dir, "rss.jsonl")),
        "replicas": read_json(os.path.join(report_dir, "replicas.json")),
        "scaleout": read_jsonl(os.path.join(report_dir, "scaleout.jsonl")),
        "redis_clients": read_jsonl(os.path.join(report_dir, "redis-bench.jsonl")),
        "redis_roundtrip": read_jsonl(os.path.join(report_dir, "redis-roundtrip.jsonl")),
        "soak_rss_kb_per_minute": soak,
        "profile": os.path.exists(os.path.join(report_dir, "profile.md")),
    }


def aggregate(rows):
    groups = {}
    for row in rows:
        key = (row["store"], row["phase"], row["scenario"], row["target"])
        groups.setdefault(key, []).append(row)
    summary = {}
    for key, runs in groups.items():
        lat = lambda name: median([r.get("latency_us", {}).get(name) for r in runs])
        requests = sum(r.get("requests", 0) for r in runs)
        errors = sum(r.get("unexpected", 0) + r.get("socket_errors", 0) + r.get("exhausted", 0) for r in runs)
        statuses = {}
        for r in runs:
            for code, count in r.get("statuses", {}).items():
                statuses[code] = statuses.get(code, 0) + count
        summary[key] = {
            "store": key[0],
            "phase": key[1],
            "scenario": key[2],
            "target": key[3],
            "rounds": len(runs),
            "connections": runs[0].get("connections"),
            "rate": runs[0].get("rate"),
            "expect": runs[0].get("expect"),
            "rps_median": median([r.get("rps") for r in runs]),
            "rps_rounds": [r.get("rps") for r in runs],
            "p50_us": lat("p50"),
            "p90_us": lat("p90"),
            "p99_us": lat("p99"),
            "p999_us": lat("p999"),
            "max_us": lat("max"),
            "rss_kb": median([r.get("rss_kb") for r in runs]),
            "requests": requests,
            "errors": errors,
            "error_rate": (errors / requests) if requests else None,
            "exhausted": sum(r.get("exhausted", 0) for r in runs),
            "socket_errors": sum(r.get("socket_errors", 0) for r in runs),
            "statuses": statuses,
            "allocated_bytes_per_request": median([r.get("gc", {}).get("allocated_bytes_per_request") for r in runs]),
            "gen0_per_1k": median([r.get("gc", {}).get("gen0_per_1k") for r in runs]),
            "gen2_per_1k": median([r.get("gc", {}).get("gen2_per_1k") for r in runs]),
            "gc_pause_share": median([r.get("gc", {}).get("pause_share") for r in runs]),
            "gc_pause_us_per_collection": median([r.get("gc", {}).get("pause_us_per_collection") for r in runs]),
            "cpu_us_per_request": {
                name: median([r.get("cpu_us_per_request", {}).get(name) for r in runs])
                for name in ("target", "upstream", "redis", "postgres", "machine")
                if any(name in r.get("cpu_us_per_request", {}) for r in runs)
            },
            "ctxt_switches_per_request": {
                name: median([r.get("ctxt_switches_per_request", {}).get(name) for r in runs])
                for name in ("voluntary", "nonvoluntary")
                if any(name in r.get("ctxt_switches_per_request", {}) for r in runs)
            },
            "pool_work_items_per_request": median([r.get("thread_pool", {}).get("work_items_per_request") for r in runs]),
            "lock_contentions_per_request": median([r.get("thread_pool", {}).get("lock_contentions_per_request") for r in runs]),
            "stages": split(runs, "stages"),
            "audit_phases": split(runs, "audit_phases"),
            "store_operations": split(runs, "store_operations"),
            "admissions_per_batch": median([b["admissions"] / b["calls"] for b in (r.get("admission_batches") for r in runs) if b and b.get("calls")]),
            "receipt_signing": receipt_signing(runs),
            "redis": redis_figures(runs),
            "audit_records_per_request": median([r.get("audit_records_per_request") for r in runs]),
            "audit_export": next((r["audit_export"] for r in runs if r.get("audit_export")), None),
            "jit_share": max((r["jit"]["share"] for r in runs if r.get("jit")), default=None),
            "syscalls_per_request": {
                kind: median([r["syscalls_per_request"].get(kind) for r in runs if r.get("syscalls_per_request")])
                for kind in SYSCALL_KINDS if any(kind in r.get("syscalls_per_request", {}) for r in runs)
            },
        }
    return summary


def comparisons(summary):
    out = []
    for (store, phase, scenario, target), gw in sorted(summary.items()):
        if target == "baseline":
            continue
        base_name = BASE_OF.get(base_scenario(scenario), "get")
        base = summary.get((store, phase, base_name, "baseline"))
        item = {"store": store, "phase": phase, "scenario": scenario, "target": target, "baseline": base_name}
        if base and base["rps_median"] and gw["rps_median"] is not None:
            item["throughput_ratio"] = gw["rps_median"] / base["rps_median"]
        if base and base["p99_us"] is not None and gw["p99_us"] is not None:
            item["p50_delta_us"] = gw["p50_us"] - base["p50_us"]
            item["p99_delta_us"] = gw["p99_us"] - base["p99_us"]
        item["errors"] = gw["errors"]
        item["status_5xx"] = sum(n for code, n in gw["statuses"].items() if str(code).startswith("5"))
        out.append(item)
    return out


def comparison(comps, store, phase, scenario, target="gateway"):
    """The comparison of that row with its baseline, or None when it did not run."""
    return next((c for c in comps if c["store"] == store and c["phase"] == phase and c["scenario"] == scenario
                 and c.get("target") == target), None)


def targets(comps, summary, more):
    result = []
    for scenario, goal in RATIO_TARGETS.items():
        full = comparison(comps, "redis", "full", scenario)
        ratio = full.get("throughput_ratio") if full else None
        base = "the SSE baseline" if scenario == "stream" else "bare YARP"
        text = f"{scenario} (Redis) >= {goal} x {base}"
        result.append({"target": text, "measured": ratio, "met": None if ratio is None else ratio >= goal})
    postgres = comparison(comps, "postgres", "full", "allow")
    ratio = postgres.get("throughput_ratio") if postgres else None
    result.append({"target": f"allow (PostgreSQL journal) >= {POSTGRES_ALLOW_TARGET} x bare YARP", "measured": ratio,
                   "met": None if ratio is None else ratio >= POSTGRES_ALLOW_TARGET})
    allow = summary.get(("redis", "full", "allow", "gateway")) or {}
    cpu = allow.get("cpu_us_per_request") or {}
    for name, goal, text in (("redis", REDIS_CPU_TARGET_US, "redis-server CPU per allowed request"),
                             ("target", GATEWAY_CPU_TARGET_US, "gateway CPU per allowed request")):
        value = cpu.get(name)
        result.append({"target": f"{text} <= {goal} µs", "measured_us_plain": value, "met": None if value is None else value <= goal})
    export = allow.get("audit_export") or {}
    per_request = export.get("bytes_per_request")
    result.append({"target": f"audit bytes per allowed request <= {RECORD_BYTES_BEFORE // 4} (4x under {RECORD_BYTES_BEFORE} before records by digest)",
                   "measured_count": per_request, "met": None if per_request is None else per_request * 4 <= RECORD_BYTES_BEFORE})
    memory = summary.get(("memory", "full", "allow", "gateway"))
    redis = summary.get(("redis", "full", "allow", "gateway"))
    if memory and redis and redis["rps_median"]:
        ratio = memory["rps_median"] / redis["rps_median"]
        result.append({"target": "embedded store >= Redis (allow)", "measured": ratio, "met": ratio >= 1.0})
    for scenario in ("allow", "stream"):
        half = comparison(comps, "redis", "half", scenario)
        delta = half.get("p99_delta_us") if half else None
        result.append({
            "target": f"p99 at half load <= baseline + {P99_TARGET_US // 1000} ms ({scenario}, Redis)",
            "measured_us": delta,
            "met": None if delta is None else delta <= P99_TARGET_US,
        })
    half_allow = summary.get(("redis", "half", "allow", "gateway")) or {}
    half_base = summary.get(("redis", "half", BASE_OF["allow"], "baseline")) or {}
    gw_cpu = (half_allow.get("cpu_us_per_request") or {}).get("target")
    base_cpu = (half_base.get("cpu_us_per_request") or {}).get("target")
    cpu_ratio = gw_cpu / base_cpu if gw_cpu and base_cpu else None
    result.append({"target": f"gateway CPU per allowed request <= {CPU_RATIO_TARGET} x bare YARP's, same request, same fixed rate (Redis, half load)",
                   "measured": cpu_ratio, "met": None if cpu_ratio is None else cpu_ratio <= CPU_RATIO_TARGET})
    full = comparison(comps, "redis", "full", "allow")
    ratio = full.get("throughput_ratio") if full else None
    result.append({"target": f"allow at full load >= {EQUAL_ALLOW_TARGET} x bare YARP on equal terms (Redis)", "measured": ratio,
                   "met": None if ratio is None else ratio >= EQUAL_ALLOW_TARGET})
    for scenario in ("chat", "chatstream"):
        peer = comparison(comps, more.get("peer_store") or "redis", f"rate{PEER_RATE}", scenario)
        delta = peer.get("p99_delta_us") if peer else None
        result.append({"target": f"chat completion at {PEER_RATE} req/s fixed ({'streamed' if scenario == 'chatstream' else 'non-streamed'}): added p99 <= {PEER_P99_TARGET_US / 1000:.1f} ms",
                       "measured_us": delta, "met": None if delta is None else delta <= PEER_P99_TARGET_US})
    allocated = (summary.get(("redis", "full", "allow", "gateway")) or {}).get("allocated_bytes_per_request")
    result.append({"target": f"allocated per allowed request <= {ALLOCATED_TARGET_BYTES // 1024} KB (Redis, full load)",
                   "measured_count": None if allocated is None else f"{allocated / 1024:.1f} KB",
                   "met": None if allocated is None else allocated <= ALLOCATED_TARGET_BYTES})
    five = sum(c.get("status_5xx", 0) for c in comps if c.get("target") == "gateway")
    result.append({"target": "zero 5xx from the gateway", "measured_count": five, "met": five == 0})
    result += hot_path_targets(comps, summary, more)
    replicas = more.get("replicas")
    if replicas:
        # Measured, not argued: both replicas' gateway_audit_append_conflicts_total must have been read.
        read = list((replicas.get("append_conflicts") or {}).values())
        measured = len(read) == 2 and all(v is not None for v in read)
        intact = all((replicas.get(k) or {}).get("intact") is True for k in ("verify_on_replica_0", "verify_on_replica_1"))
        chains = len((replicas.get("verify_on_replica_0") or {}).get("partitions") or [])
        result.append({"target": "two replicas: zero audit conflicts, both chains verify", "measured_count": sum(read) if measured else None,
                       "detail": f"{chains} chains, intact: {intact}" + ("" if measured else ", conflict counter not read from /metrics"),
                       "met": intact and chains == 2 and measured and sum(read) == 0})
    scaleout = more.get("scaleout") or []
    if scaleout:
        # Every tenant's chains verified and every replica's conflict counter read, for every configuration.
        conflicts = [c for run in scaleout for c in (run.get("append_conflicts") or {}).values()]
        measured = len(conflicts) == sum(run.get("replicas", 0) for run in scaleout) and all(c is not None for c in conflicts)
        chains = [v for run in scaleout for v in run.get("verify") or []]
        intact = bool(chains) and all(v.get("intact") is True for v in chains)
        result.append({"target": "scale-out: zero audit conflicts, every chain verifies", "measured_count": sum(conflicts) if measured else None,
                       "detail": f"{sum(len(v.get('partitions') or []) for v in chains)} chains of {len(chains)} tenant verifications, intact: {intact}"
                                 + ("" if measured else ", a conflict counter not read from /metrics"),
                       "met": intact and measured and sum(conflicts) == 0})
    return result


def hot_path_targets(comps, summary, more):
    """Issue #71's targets for the machine the run had (more["cores"]): store calls before forwarding at 1,000/s, chat at
    the machine's rate against bare YARP and the one-wait floor, CPU per chat completion, allow at full load per store,
    and the soak's RSS after 10 minutes at 1,000/s (more["soak_store"]); a target whose rows did not run reads n/a."""
    large = (more.get("cores") or 0) >= HOT_PATH_CORES
    goals = HOT_PATH_LARGE if large else HOT_PATH_SMALL
    machine = f"{HOT_PATH_CORES}+ cores" if large else f"under {HOT_PATH_CORES} cores"
    store = more.get("peer_store") or "redis"
    phase = f"rate{goals['rate']}"
    chat = summary.get((store, phase, "chat", "gateway")) or {}
    bare = summary.get((store, phase, "chat", "baseline")) or {}
    result = []

    calls_row = summary.get((store, f"rate{HOT_PATH_CALLS_RATE}", "chat", "gateway")) or {}
    before = [f.get("per_request") for op, f in (calls_row.get("store_operations") or {}).items()
              if op not in AFTER_ANSWER_OPERATIONS and f.get("per_request") is not None]
    calls = round(sum(before), 2) if before else None
    result.append({"target": f"store calls before forwarding per chat completion at {HOT_PATH_CALLS_RATE} req/s <= 1 (#71)",
                   "measured_count": calls, "met": None if calls is None else calls <= 1.0})

    added = lambda row, name: None if row.get(name) is None or bare.get(name) is None else row[name] - bare[name]
    if large:
        for name, goal in (("p50_us", goals["p50_us"]), ("p99_us", goals["p99_us"])):
            delta = added(chat, name) if chat else None
            result.append({"target": f"chat completion at {goals['rate']} req/s fixed: added {name[:3]} <= {goal / 1000:.2f} ms (#71, {machine})",
                           "measured_us": delta, "met": None if delta is None else delta <= goal})
    else:
        floor = one_wait_floor(summary, store, phase)
        over = added(chat, "p99_us") - added(floor, "p99_us") if chat and floor and added(chat, "p99_us") is not None \
            and added(floor, "p99_us") is not None else None
        result.append({"target": f"chat completion at {goals['rate']} req/s fixed: added p99 <= the one-wait floor's + "
                                 f"{goals['p99_over_floor_us'] / 1000:.1f} ms (#71, {machine})",
                       "measured_us": over, "met": None if over is None else over <= goals["p99_over_floor_us"]})

    gw_cpu = (chat.get("cpu_us_per_request") or {}).get("target")
    base_cpu = (bare.get("cpu_us_per_request") or {}).get("target")
    ratio = gw_cpu / base_cpu if gw_cpu and base_cpu else None
    result.append({"target": f"CPU per chat completion at {goals['rate']} req/s <= {goals['cpu_ratio']} x bare YARP's (#71, {machine})",
                   "measured": ratio, "met": None if ratio is None else ratio <= goals["cpu_ratio"]})

    for allow_store in sorted({c["store"] for c in comps if c["phase"] == "full" and c["scenario"] == "allow"
                               and c.get("target") == "gateway" and c["store"] != "soak"} or {"redis"}):
        ratio = (comparison(comps, allow_store, "full", "allow") or {}).get("throughput_ratio")
        result.append({"target": f"allow ({allow_store}) at full load >= {goals['allow']} x bare YARP (#71, {machine})",
                       "measured": ratio, "met": None if ratio is None else ratio >= goals["allow"]})

    soak = more.get("soak_rss_kb_per_minute") or []
    soak_rate = next((r.get("rate") for r in summary.values() if r["store"] == "soak"), None)
    # The series is read at start, then every minute (eleven values: ten minutes ran); the RSS is the soak's last read.
    final = next((r.get("final_kb") for r in more.get("rss") or [] if r.get("store") == "soak"), None)
    rss = final / 1024 if final and len(soak) >= 11 and soak_rate == HOT_PATH_CALLS_RATE else None
    on = f" on the {more['soak_store']} store" if soak and more.get("soak_store") else ""
    result.append({"target": f"RSS after 10 minutes at {HOT_PATH_CALLS_RATE} req/s <= {HOT_PATH_RSS_MIB} MiB (#71, the soak{on})",
                   "measured_count": None if rss is None else f"{rss:.0f} MiB", "met": None if rss is None else rss <= HOT_PATH_RSS_MIB})
    return result


def write_scaleout(lines, summary, scaleout):
    """The scale-out rows: aggregate allow throughput per configuration, each replica's share, and the audit after it."""
    rows = []
    for run in scaleout:
        found = summary.get((run["label"], "full", "allow", "gateway")) or {}
        rounds = found.get("rps_rounds") or []
        chains = [v for v in run.get("verify") or []]
        rows.append([run["label"], run["replicas"], run.get("gateway_args") or "-", f"{found.get('rps_median') or 0:.0f}",
                     " / ".join(f"{r:.0f}" for r in rounds) or "-", ms(found.get("p50_us")), ms(found.get("p99_us")),
                     found.get("errors", "-"), sum(len(v.get("partitions") or []) for v in chains),
                     all(v.get("intact") is True for v in chains) if chains else None,
                     json.dumps(run.get("append_conflicts"))])
    section(lines, "Scale-out: gateway replicas over a three-primary Redis Cluster",
            ["configuration", "replicas", "extra arguments", "allow req/s (median)", "rounds", "p50 ms", "p99 ms (worst replica)",
             "errors", "chains verified (all so far)", "all intact", "append conflicts"], rows)
    lines.append("Three primaries with a replica each, on this machine; the allow scenario signed for three tenants whose hash "
                 "slots lie on the three primaries, in turn, so every replica's traffic reaches every shard. Connections are shared "
                 "among the replicas (the same total as one replica gets). Every write waits for its replica (`WAIT 1`, the "
                 "cluster default) except in `cluster-1x-nowait` (`ReplicaAcknowledgements=0`): the difference between the two "
                 "one-replica rows is what the wait costs here. Each replica appends to its own chain per tenant; after each "
                 "configuration every tenant's chains (those of the configurations before it too) are verified through the admin API and each replica's "
                 "`gateway_audit_append_conflicts_total` is read from its /metrics port (null: not read). All processes share the "
                 "machine's cores: more replicas here add contention, not capacity (see docs/operations.md, \"Scale-out\").")
    lines.append("")


def ms(us):
    return "-" if us is None else f"{us / 1000:.2f}"


def fmt_ratio(value):
    return "-" if value is None else f"{value:.2f}"


def label(row):
    return f"{row['store']} {row['phase']} {row['target'] if row['target'] == 'baseline' else 'gateway'}:{row['scenario']}"


def phase_order(phase):
    """Sort key of a phase: full load, half load, then the fixed rates ("rate<N>") from the lowest."""
    rate = int(phase[4:]) if phase.startswith("rate") and phase[4:].isdigit() else 0
    return phase != "full", phase != "half", rate, phase


def ordered(summary, phase):
    rows = [r for r in summary.values() if r["phase"] == phase]
    stores = sorted({r["store"] for r in rows}, key=lambda s: (s != "reference", s != "memory", s))
    out = []
    for store in stores:
        for scenario in ORDER:
            for r in sorted(rows, key=lambda r: (r["target"] != "baseline", r["target"], r["scenario"])):
                if r["store"] == store and base_scenario(r["scenario"]) == scenario:
                    out.append(r)
    return out


def section(lines, title, headers, rows, level="##"):
    """A markdown section holding one table; columns after the first two are right-aligned."""
    lines.append(f"{level} {title}")
    lines.append("")
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + "|".join("---" if i < 2 else "---:" for i in range(len(headers))) + "|")
    for row in rows:
        lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
    lines.append("")


def per(value):
    """A count per request: two decimals, three below 0.1 (a health check's ping), "-" when not measured."""
    return "-" if value is None else f"{value:.3f}" if abs(value) < 0.1 else f"{value:.2f}"


def us(value):
    """µs: whole from 100 up, one decimal below, "-" when not measured."""
    return "-" if value is None else f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def receipt_signing(runs):
    """Issue #28: per run, the receipts' signing cost per audit group and per receipt; medians over the rounds, or None."""
    signed = [r["receipt_signing"] for r in runs if r.get("receipt_signing", {}).get("groups")]
    if not signed:
        return None
    return {
        "receipts_per_group": median([s["receipts"] / s["groups"] for s in signed]),
        "us_per_group": median([s["sum_us"] / s["groups"] for s in signed]),
        "us_per_receipt": median([s["sum_us"] / s["receipts"] for s in signed if s["receipts"]]),
    }


def write_receipt_signing(lines, summary):
    """Issue #28's figure: what signing the decision receipts costs, per audit group and per receipt."""
    rows = [r for r in summary.values() if r["target"] != "baseline" and r.get("receipt_signing")]
    if not rows:
        return
    section(lines, "Decision receipts: signing per audit group",
            ["run", "receipts per group", "µs per group", "µs per receipt"],
            [[label(r), f"{r['receipt_signing']['receipts_per_group']:.1f}", f"{r['receipt_signing']['us_per_group']:.1f}",
              f"{r['receipt_signing']['us_per_receipt']:.1f}"] for r in sorted(rows, key=label)])
    lines.append("From the gateway's `gateway_evidence_receipt_signing_duration_seconds` (one observation per audit group: the "
                 "claims, their Merkle paths and the signatures) and `gateway_evidence_receipt_batch_size` (receipts in it), deltas "
                 "over the run, median of the rounds. Batched (the default) signs a group with one ES256 signature; the "
                 "`[perreceipt]` variant (`--Gateway:Evidence:BatchReceipts=false`) signs each receipt alone, as before batching.")
    lines.append("")


def write_redis_script(lines, summary):
    """What one run of the gateway's script costs redis-server, on its own clock, at each rate: the part of a request's
    one store round trip that is Redis working rather than waiting, beside the floor's plain round trip."""
    rows = [r for r in summary.values()
            if r["target"] != "baseline" and (r.get("redis") or {}).get("script_us_per_run") is not None]
    if not rows:
        return
    rows.sort(key=lambda r: (r["store"], phase_order(r["phase"]), r["scenario"]))
    section(lines, "Redis's script per run, on redis-server's own clock (µs)",
            ["store", "run", "script runs per request", "mean", "p50", "p99"],
            [[r["store"], f"{r['phase']} gateway:{r['scenario']}", per(r["redis"]["script_runs_per_request"]),
              us(r["redis"]["script_us_per_run"]), us(r["redis"]["script_p50_us"]), us(r["redis"]["script_p99_us"])]
             for r in rows])
    lines.append("Redis' `INFO commandstats` (usec over calls of `evalsha`, `eval` and `fcall`: the mean) and `INFO latencystats` "
                 "(Redis 7: the percentiles of the script command sent most) after each run, both reset right before it, median "
                 "of the rounds. The time redis-server spends running the script, its `redis.call`s included, and nothing of the "
                 "network or of either side's wake-ups: the part of a request's one store round trip that the one-round-trip "
                 "floor's plain `SET` does not have.")
    lines.append("")


def write_store_calls(lines, rows):
    """Issue #32's figure: the store calls an allowed request makes, by operation, and what they cost Redis."""
    if not rows:
        return
    table = []
    for row in rows:
        run = f"{row['phase']} gateway:{row['scenario']}"
        ops = sorted(row["by_operation"].items(), key=lambda item: (-(item[1] or 0), item[0]))
        for op, value in ops:
            table.append([row["store"], run, op, per(value)])
        if ops:
            table.append([row["store"], run, "**all operations**", f"**{per(row['store_calls_per_request'])}**"])
    if table:
        section(lines, "Store calls per allowed request", ["store", "run", "operation", "calls per request"], table)
    redis = [row for row in rows if row.get("redis")]
    if redis:
        section(lines, "Redis per allowed request", ["store", "run", "script runs", "commands", "commands by name",
                                                     "admissions per admit_batch", "used_memory bytes", "keys added", "keys after the last run"],
                [[row["store"], f"{row['phase']} gateway:{row['scenario']}", per(row["redis"]["script_runs_per_request"]),
                  per(row["redis"]["commands_per_request"]),
                  ", ".join(f"{name} {per(value)}" for name, value in row["redis"]["by_command"].items()),
                  "-" if row.get("admissions_per_batch") is None else f"{row['admissions_per_batch']:.1f}",
                  us(row["redis"]["memory_bytes_per_request"]), per(row["redis"]["keys_added_per_request"]),
                  "-" if row["redis"]["keys_after"] is None else f"{row['redis']['keys_after']:.0f}"] for row in redis],
                level="###")
    lines.append("Store calls: the gateway's `gateway_store_duration_seconds` histogram (label `operation`), its count's delta over "
                 "the run (the same two `/metrics` scrapes as the stages) / the requests the `total` stage counted, median of the "
                 "rounds; **all operations** sums the medians. One count is one call of the store the gateway runs on: for the "
                 "embedded memory store one in-process call per `IStateStore` method (`admit` is each request's admission); for "
                 "Redis (redis and postgres stores) one command sent to Redis, with its own reply (StackExchange.Redis pipelines "
                 "concurrent ones on its connection): `admit_batch` is one run of the admission script for every admission of a "
                 "tenant waiting at that moment (admissions per admit_batch is `gateway_store_admission_batch_size`'s mean), `admit` "
                 "one run for a single admission (the unbatched variant), `log_append` one append of audit records to the Redis "
                 "stream, `ping` the health checks. The decision token's record rides the admission script run, so it adds no call "
                 "(`record_token`, a call of its own, only after a budget that could not ride it either); "
                 "the PostgreSQL journal's writes are not store calls (see the audit phases). "
                 "Redis: `INFO commandstats` after the run, counters reset with `CONFIG RESETSTAT` right before the first scrape "
                 "(the reset itself left out), per request wrk completed, median of the rounds. Script runs = `evalsha` + `eval` + "
                 "`fcall`: the scripts the gateway sent. Redis 7 counts each command a script runs (`redis.call`) under that "
                 "command's name too, and so does `total_commands_processed`, so the commands (all, and by name) are the top-level "
                 "ones and those inside scripts together; the top-level commands are the store calls above (Redis store), of which "
                 "the script runs are the scripts. used_memory bytes = `INFO memory`'s used_memory after the run minus before, per "
                 "request: the keys written (nonces, token records, rate-limit windows, the audit stream) net of keys that expired "
                 "during the run, plus allocator and client-buffer noise. Keys added = `DBSIZE` after minus before, per request; "
                 "it holds while nothing expires: a token record lives 305 s (the token's 300 s + 5), a nonce 605 s, so later in "
                 "the test expiry takes earlier runs' keys back during a run, and the keys after the last run ≈ the requests of the last "
                 "305 s (token records) + those of the last 605 s (nonces) + the rate-limit windows and streams.")
    lines.append("")


# What the peers publish for the same benchmark (an OpenAI chat completion at a fixed rate), for the table's caveat.
PEERS_PUBLISHED = [
    ("agentgateway", "3,000 req/s fixed", "0.436 ms (p99)", "13 % of a core", "13 MB"),
    ("LiteLLM", "3,000 req/s fixed", "30.6 ms (p99)", "345 %", "11.7 GiB"),
]


def cores_busy(row, process="target"):
    """Cores a process kept busy over the run (µs per request x requests per second), or None when not measured:
    "target" is the proxy or gateway, "machine" the whole machine."""
    us = ((row or {}).get("cpu_us_per_request") or {}).get(process)
    return None if us is None or not (row or {}).get("rps_median") else us * row["rps_median"] / 1e6


def cpu_percent(row):
    """The proxy process' CPU in percent of one core over the run."""
    cores = cores_busy(row)
    return None if cores is None else 100 * cores


def machine_cores(row):
    """The whole machine's cores busy during a run, formatted ("-" when not measured)."""
    cores = cores_busy(row, "machine")
    return "-" if cores is None else f"{cores:.2f}"


def write_peers(lines, summary, roundtrips=()):
    """The peers' benchmark (issue #52): chat completions at fixed rates, bare YARP and the gateway side by side."""
    phases = sorted({r["phase"] for r in summary.values() if r["phase"].startswith("rate")}, key=phase_order)
    rows = []
    stage_rows = []
    stage_cell = lambda f: "-" if not f or f.get("mean_us") is None or f.get("p99_us") is None else f"{f['mean_us']:.0f} / {f['p99_us']:.0f}"
    for phase in phases:
        for gateway_scenario, base_scenario_name, mode in (("chat", "chat", "non-streamed"), ("chatstream", "chatsse", "streamed")):
            for store in sorted({r["store"] for r in summary.values() if r["phase"] == phase}):
                gw = summary.get((store, phase, gateway_scenario, "gateway"))
                base = summary.get((store, phase, base_scenario_name, "baseline"))
                if not gw or not base:
                    continue
                added = lambda name: None if gw.get(name) is None or base.get(name) is None else gw[name] - base[name]
                pct = lambda r: "-" if cpu_percent(r) is None else f"{cpu_percent(r):.0f} %"
                cpu = lambda r: "-" if (r.get("cpu_us_per_request") or {}).get("target") is None else f"{r['cpu_us_per_request']['target']:.0f}"
                mib = lambda r: "-" if r.get("rss_kb") is None else f"{r['rss_kb'] / 1024:.0f}"
                rows.append([f"{phase[4:]}/s", mode, f"{base['rps_median']:.0f} / {gw['rps_median']:.0f}",
                             f"{ms(base['p50_us'])} / {ms(base['p99_us'])} / {ms(base['p999_us'])}",
                             f"{ms(gw['p50_us'])} / {ms(gw['p99_us'])} / {ms(gw['p999_us'])}",
                             f"{ms(added('p50_us'))} / {ms(added('p99_us'))} / {ms(added('p999_us'))}",
                             f"{pct(base)} / {pct(gw)}", f"{cpu(base)} / {cpu(gw)}",
                             f"{machine_cores(base)} / {machine_cores(gw)}", f"{mib(base)} / {mib(gw)}",
                             f"{pool_items(base)} / {pool_items(gw)}", row_store_calls(gw), f"{base['errors']} / {gw['errors']}"])
                if gw.get("stages"):
                    stage_rows.append([f"{phase[4:]}/s", mode] + [stage_cell(gw["stages"].get(stage)) for stage in STAGES + ["total"]])
    if not rows:
        return
    section(lines, "The peers' benchmark: a chat completion at fixed rates (bare YARP / gateway)",
            ["rate", "mode", "achieved req/s", "bare p50 / p99 / p99.9 ms", "gateway p50 / p99 / p99.9 ms",
             "added p50 / p99 / p99.9 ms", "CPU, % of a core", "CPU µs per request", "machine cores busy", "RSS at the end, MiB",
             "thread-pool work items per request", "gateway store calls per request", "errors"], rows)
    lines.append("An OpenAI chat completion of a 1 KiB request through the provider route (`/providers/openai/chat/completions`, "
                 "signed, decided, the credential injected, the answer redacted and recorded), non-streamed and streamed, against "
                 "bare YARP posting the same body to the same upstream, each at the same fixed rate (wrk `delay()` pacing, "
                 "latency measured from each request's send, so a stall shows as fewer requests rather than as queueing delay). "
                 "CPU is the proxy process' user + system time over the run; machine cores busy is the whole machine's (wrk, the proxy, "
                 "the upstream, Redis) CPU over the run per second; RSS is read right after the run.")
    lines.append("")
    if roundtrips:
        lines.append("The floor under the added latency: **one store round trip alone** at each rate, from the gateway's own Redis "
                     "client (StackExchange.Redis, one nonce write at a time to the same Redis, sent at its slot of the fixed rate, "
                     "nothing else running but the idle gateway and proxy; the client waits for each slot awake, so the figure "
                     "leaves out its own wake-up and is a lower bound): " + "; ".join(
                         f"{r.get('rate')}/s: p50 {r.get('p50_us')} µs, p99 {r.get('p99_us')} µs, p99.9 {r.get('p999_us')} µs, "
                         f"redis-server {r.get('redis_cpu_us_per_op')} µs of CPU per call" for r in roundtrips) +
                     ". A chat completion makes one before it is forwarded (its admission and its decision record in one script run, "
                     "behind a thread wake-up in the gateway and one in Redis); its outcome record, with its token budget's settle, is "
                     "appended after its response ends, riding the chain's next store call.")
        lines.append("")
    write_floor(lines, summary, phases)
    lines.append("What peers publish for the same benchmark — measured on their own machines, not here, so only the shape compares:")
    lines.append("")
    lines.append("| peer | load | added latency | CPU | memory |")
    lines.append("|---|---|---|---|---|")
    for peer in PEERS_PUBLISHED:
        lines.append("| " + " | ".join(peer) + " |")
    lines.append("")
    if stage_rows:
        section(lines, "Where a chat completion's time goes at each fixed rate (gateway, µs: mean / p99)",
                ["rate", "mode"] + STAGES + ["total"], stage_rows)
        lines.append("The same histograms as the per-stage table at full load below, over each fixed-rate run. Admit, record, forward and "
                     "respond wait (a store round trip, the upstream, the outcome record); the other stages are the gateway's own work, whose "
                     "wall time includes waiting for a core.")
        lines.append("")


JOURNAL_FLOOR = "chat[journal]"


def floor_parts(scenario):
    """chat[waitsN+M] (chat[waitsN]: M is 0) -> (N, M), the floor's round trips and µs of CPU work per request;
    chat[journal] (one durable journal write) -> (1, 0)."""
    if scenario == JOURNAL_FLOOR:
        return (1, 0)
    waits, _, work = scenario[len("chat[waits"):-1].partition("+")
    return (int(waits) if waits.isdigit() else 0, int(work) if work.isdigit() else 0)


def is_floor(scenario):
    """Whether a baseline row is a floor: bare YARP waiting on Redis (chat[waits…]) or on a journal write (chat[journal])."""
    return scenario.startswith("chat[waits") or scenario == JOURNAL_FLOOR


def one_wait_floor(summary, store, phase):
    """The one-wait floor of a store's rows: one journal write on the embedded store, one Redis round trip otherwise."""
    return next((r for r in summary.values() if r["store"] == store and r["phase"] == phase and r["target"] == "baseline"
                 and (r["scenario"] == JOURNAL_FLOOR if store == "memory"
                      else r["scenario"].startswith("chat[waits") and floor_parts(r["scenario"]) == (1, 0))), None)


def write_floor(lines, summary, phases):
    """The floor under the peers' benchmark (LOADTEST_PEER_FLOOR): bare YARP waiting on N Redis round trips in turn before
    it forwards, then spending M µs of CPU (scenario chat[waitsN+M], a baseline row), beside bare YARP and the gateway at
    the same rate."""
    rows = []
    for phase in phases:
        for r in sorted((r for r in summary.values() if r["phase"] == phase and r["target"] == "baseline"
                         and is_floor(r["scenario"])), key=lambda r: (r["store"], r["scenario"] == JOURNAL_FLOOR, floor_parts(r["scenario"]))):
            base = summary.get((r["store"], phase, "chat", "baseline"))
            gw = summary.get((r["store"], phase, "chat", "gateway"))
            if not base:
                continue
            added = lambda row, name: None if not row or row.get(name) is None or base.get(name) is None else row[name] - base[name]
            cpu = lambda row: "-" if not row or (row.get("cpu_us_per_request") or {}).get("target") is None else f"{row['cpu_us_per_request']['target']:.0f}"
            waits, work = floor_parts(r["scenario"])
            rows.append([f"{phase[4:]}/s", "1 journal write (fsync)" if r["scenario"] == JOURNAL_FLOOR else f"{waits} Redis", str(work), f"{r['rps_median']:.0f}",
                         f"{ms(r['p50_us'])} / {ms(r['p99_us'])} / {ms(r['p999_us'])}",
                         f"{ms(added(r, 'p50_us'))} / {ms(added(r, 'p99_us'))} / {ms(added(r, 'p999_us'))}",
                         f"{ms(added(gw, 'p50_us'))} / {ms(added(gw, 'p99_us'))} / {ms(added(gw, 'p999_us'))}",
                         f"{cpu(base)} / {cpu(r)} / {cpu(gw)}",
                         f"{machine_cores(base)} / {machine_cores(r)} / {machine_cores(gw) if gw else '-'}",
                         f"{pool_items(base)} / {pool_items(r)} / {pool_items(gw)}", str(r["errors"])])
    if not rows:
        return
    section(lines, "The floor: bare YARP waiting on the store, then a fixed amount of CPU work, nothing else of the gateway's (non-streamed chat)",
            ["rate", "store waits before forwarding", "then µs of CPU per request", "achieved req/s", "floor p50 / p99 / p99.9 ms",
             "floor added p50 / p99 / p99.9 ms", "gateway added p50 / p99 / p99.9 ms", "CPU µs per request: bare / floor / gateway",
             "machine cores busy: bare / floor / gateway", "thread-pool work items per request: bare / floor / gateway", "errors"], rows)
    lines.append("The bare YARP proxy of the table above with `--StoreWaits` (loadtests/Gateway.LoadTests.BareProxy/StoreWaits.cs): "
                 "before it forwards each request it makes that many nonce writes (`SET key 1 NX PX 300000`) to the same Redis, one "
                 "after another, with the gateway's own client (StackExchange.Redis), then spends a fixed amount of CPU work on the "
                 "request's thread (arithmetic calibrated at start to take that many µs), standing in for the gateway's own work; it "
                 "does nothing else the gateway does. Added "
                 "latency is over bare YARP's row at the same rate. The gateway waits on one store call before it forwards a chat "
                 "completion (its admission and its decision record in one script run); its outcome record rides the chain's next "
                 "call after the answer. What the floor with no work adds is what those waits alone "
                 "cost on this machine: no design that keeps them can add less. The rows with work show how much of the gateway's "
                 "own CPU per request the machine takes at that rate before the tail grows. The work items are the thread pool's per "
                 "request (each a wake-up of a pool thread): the floor's say what its waits cost in wake-ups with the standard "
                 "client. The journal floor (`--StoreWaits:Journal`, loadtests/Gateway.LoadTests.BareProxy/JournalWait.cs) makes one "
                 "durable write per request instead: a 1,500-byte record written into zeros already on disk and fsynced, the embedded "
                 "store's one wait.")
    lines.append("")


def pool_items(row):
    """A row's thread-pool work items per request, or "-" when its /metrics was not read."""
    value = (row or {}).get("pool_work_items_per_request")
    return "-" if value is None else f"{value:.2f}"


def row_store_calls(row):
    """A gateway row's store calls per request (`gateway.store.duration`'s count per request), summed and by operation, or "-"."""
    by_operation = {op: f.get("per_request") for op, f in (row.get("store_operations") or {}).items() if f.get("per_request") is not None}
    if not by_operation:
        return "-"
    return f"{sum(by_operation.values()):.2f} (" + ", ".join(f"{op} {v:.2f}" for op, v in sorted(by_operation.items())) + ")"


def write_equal_rate_cpu(lines, summary):
    """CPU per request of bare YARP and the gateway at the same fixed rate (the half-load rows), with the whole machine's
    cores busy at that rate and the gateway's GC pauses: at a fixed rate the added tail is queueing for a core."""
    rows = []
    for r in ordered(summary, "half"):
        if r["target"] != "gateway":
            continue
        base = summary.get((r["store"], "half", BASE_OF.get(base_scenario(r["scenario"]), ""), "baseline"))
        gw_us = (r.get("cpu_us_per_request") or {}).get("target")
        base_us = ((base or {}).get("cpu_us_per_request") or {}).get("target")
        pause = "-" if r.get("gc_pause_us_per_collection") is None else \
            f"{r['gc_pause_us_per_collection'] / 1000:.2f} ms, {100 * (r.get('gc_pause_share') or 0):.1f} %"
        rows.append([r["store"], r["scenario"], r.get("rate") or "-", "-" if base_us is None else f"{base_us:.0f}",
                     "-" if gw_us is None else f"{gw_us:.0f}", "-" if not gw_us or not base_us else f"{gw_us / base_us:.2f}",
                     machine_cores(base), machine_cores(r), pause, pool_items(base), pool_items(r)])
    if rows:
        section(lines, "CPU per request at the same fixed rate (µs)",
                ["store", "scenario", "rate req/s", "bare YARP (equal terms)", "gateway", "gateway / bare",
                 "machine cores busy, bare YARP's run", "machine cores busy, gateway's run", "gateway GC pause: per collection, share of the run",
                 "thread-pool work items per request, bare YARP", "thread-pool work items per request, gateway"], rows)
        lines.append("Cores busy: the whole machine's CPU per request (wrk, the proxy, the upstream, Redis and anything else) times the "
                     "rate it held; the machine has two. A run whose cores busy reach two queues for a core, and its added p99 is that "
                     "queueing. GC pause: `dotnet.gc.pause.time` (System.Runtime meter) over the run, per collection of any generation "
                     "(what a request that meets one waits) and as a share of the run's wall time. Thread-pool work items: "
                     "`dotnet.thread_pool.work_item.count` (System.Runtime meter, both proxies) over the run per request: each is a "
                     "pool thread picking up a continuation, a timer or a socket completion, the hops a request's path takes.")
        lines.append("")


SYSCALL_KINDS = ("total", "send", "receive", "epoll_wait", "futex", "sched_yield")


def write_syscalls(lines, summary):
    """System calls per request of the process under test, by kind (LOADTEST_SYSCALLS=1), bare YARP beside the gateway."""
    # In each phase, the rows as every other table orders them.
    phases = sorted({r["phase"] for r in summary.values() if r.get("syscalls_per_request")}, key=phase_order)
    rows = [r for phase in phases for r in ordered(summary, phase) if r.get("syscalls_per_request")]
    if not rows:
        return
    section(lines, "System calls per request",
            ["store", "run", "phase", "all", "send", "receive", "epoll_wait", "futex", "sched_yield"],
            [[r["store"], f"{r['target']}:{r['scenario']}", r["phase"]] + [per(r["syscalls_per_request"].get(kind)) for kind in SYSCALL_KINDS]
             for r in rows])
    lines.append("Counted with perf stat's syscall tracepoints on the proxy or gateway process (every thread) over the run, divided "
                 "by the requests it completed (`LOADTEST_SYSCALLS=1`). send: `sendto` and `sendmsg`; receive: `recvfrom` and "
                 "`recvmsg`, including those that find nothing yet and are retried once the socket is ready; epoll_wait: a thread "
                 "waiting for sockets; futex: a thread put to sleep or woken; sched_yield: a spinning thread giving up its core. "
                 "Each store round trip costs the gateway one send and one or two receives on top of what bare YARP does.")
    lines.append("")


JIT_BUSY = 0.02  # loadtests/run.sh's LOADTEST_JIT_QUIET default, for a report whose environment.json does not record it


def write_jit(lines, summary, env=None):
    """Says whether the gateway's measured rows ran at the JIT's steady state (the share of each row's time it compiled),
    against the threshold the run's warm-up used (environment.json's jit_quiet_percent)."""
    quiet = (env or {}).get("jit_quiet_percent")
    busy_share = quiet / 100 if isinstance(quiet, (int, float)) and quiet > 0 else JIT_BUSY
    rows = [r for r in summary.values() if r["target"] == "gateway" and r.get("jit_share") is not None]
    if not rows:
        return
    # The soak starts a gateway of its own with no warm-up, so that its RSS series starts where a deployment's does: its
    # first minute is the JIT's, by design, and is named apart.
    soak = [r for r in rows if r["store"] == "soak"]
    rows = [r for r in rows if r["store"] != "soak"]
    busy = sorted((r for r in rows if r["jit_share"] >= busy_share), key=lambda r: -r["jit_share"])
    if busy:
        named = ", ".join(f"{r['store']} {r['scenario']} ({r['phase']}) {r['jit_share'] * 100:.1f} %" for r in busy)
        lines.append(f"**Rows measured while the gateway's JIT was still busy** (it compiled for {busy_share * 100:g} % of the "
                     f"row's time or more; the runtime's own counter): {named}. Those rows read part of the warm-up.")
    elif rows:
        top = max(rows, key=lambda r: r["jit_share"])
        lines.append(f"Every measured gateway row ran with the JIT quiet: it compiled for at most {top['jit_share'] * 100:.2f} % of a "
                     f"row's time ({top['store']} {top['scenario']}, {top['phase']}; the runtime's own counter, read around each row).")
    for r in soak:
        lines.append(f"The soak's gateway starts with no warm-up: the JIT took up to {r['jit_share'] * 100:.1f} % of a minute of it "
                     "(its first).")
    lines.append("")


def write_markdown(report_dir, env, summary, comps, goal, more):
    lines = []
    lines.append(f"# Load test report {env.get('timestamp', '')}")
    lines.append("")
    lines.append(f"Machine: {env.get('nproc', '?')} CPUs ({env.get('cpu', '?')}), kernel {env.get('kernel', '?')}, "
                 f"load average at the end {env.get('loadavg_end', '?')}. {env.get('wrk', '')}; {env.get('redis', '')}; "
                 f".NET SDK {env.get('dotnet', '?')}; commit {env.get('commit', '?')}{' (dirty tree)' if env.get('dirty') else ''}.")
    lines.append(f"Runs: {env.get('rounds', '?')} rounds x {env.get('duration_s', '?')} s per target and scenario, "
                 f"wrk -t{env.get('threads', '?')} -c{env.get('connections', '?')} at full load; "
                 f"half load at a fixed rate (wrk delay() pacing) with -c{env.get('half_connections', '?')}. "
                 f"Everything on loopback on the same machine (load generator, proxies, upstream, Redis share the CPUs). "
                 f"Total {env.get('elapsed_s', '?')} s.")
    lines.append("")
    lines.append("## Targets")
    lines.append("")
    lines.append("| target | measured | met |")
    lines.append("|---|---|---|")
    for t in goal:
        if "measured" in t:
            measured = fmt_ratio(t["measured"]) + " x"
        elif "measured_us" in t:
            measured = "-" if t["measured_us"] is None else f"{t['measured_us'] / 1000:+.2f} ms"
        elif "measured_us_plain" in t:
            measured = "-" if t["measured_us_plain"] is None else f"{t['measured_us_plain']:.0f} µs"
        else:
            measured = ("-" if t.get("measured_count") is None else str(t["measured_count"])) + (f" ({t['detail']})" if t.get("detail") else "")
        met = "n/a" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(f"| {t['target']} | {measured} | {met} |")
    lines.append("")
    for phase, title in (("full", "Full load"), ("half", "Half load (fixed rate)")):
        rows = ordered(summary, phase)
        if not rows:
            continue
        lines.append(f"## {title}")
        lines.append("")
        lines.append("| store | run | req/s (median) | rounds req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | errors | statuses | vs baseline |")
        lines.append("|---|---|---:|---|---:|---:|---:|---:|---:|---|---|")
        for r in rows:
            comp = next((c for c in comps if c["store"] == r["store"] and c["phase"] == phase and c["scenario"] == r["scenario"] and c.get("target") == r["target"]), None)
            versus = "-"
            if r["target"] != "baseline" and comp:
                versus = f"{fmt_ratio(comp.get('throughput_ratio'))} x req/s, p99 {'+' if comp.get('p99_delta_us', 0) >= 0 else ''}{ms(comp.get('p99_delta_us'))} ms"
            rate = f" @ {r['rate']}/s" if r.get("rate") else ""
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
            lines.append(
                f"| {r['store']} | {r['target']}:{r['scenario']}{rate} | {r['rps_median']:.0f} | "
                f"{' / '.join(f'{x:.0f}' for x in r['rps_rounds'])} | {ms(r['p50_us'])} | {ms(r['p90_us'])} | {ms(r['p99_us'])} | "
                f"{ms(r['p999_us'])} | {r['errors']} | {statuses} | {versus} |")
        lines.append("")
    write_jit(lines, summary, env)
    write_peers(lines, summary, more.get("redis_roundtrip") or [])
    write_equal_rate_cpu(lines, summary)
    write_syscalls(lines, summary)
    cpu_rows = [r for r in ordered(summary, "full") if r.get("cpu_us_per_request")]
    if cpu_rows:
        cell = lambda r, name: "-" if r["cpu_us_per_request"].get(name) is None else f"{r['cpu_us_per_request'][name]:.0f}"
        ctx = lambda r: ("-" if r.get("ctxt_switches_per_request", {}).get("voluntary") is None
                         else f"{r['ctxt_switches_per_request']['voluntary']:.2f} / {r['ctxt_switches_per_request']['nonvoluntary']:.2f}")
        section(lines, "CPU per request at full load (µs, median of the rounds)",
                ["store", "run", "proxy / gateway", "upstream", "redis-server", "postgres", "whole machine", "gateway KB allocated", "gen0 / gen2 GCs per 1k",
                 "context switches per request (voluntary / involuntary)", "thread-pool work items per request"],
                [[r["store"], f"{r['target']}:{r['scenario']}", cell(r, "target"), cell(r, "upstream"), cell(r, "redis"), cell(r, "postgres"), cell(r, "machine"),
                  "-" if r.get("allocated_bytes_per_request") is None else f"{r['allocated_bytes_per_request'] / 1024:.1f}",
                  "-" if r.get("gen0_per_1k") is None else f"{r['gen0_per_1k']:.2f} / {r['gen2_per_1k']:.2f}", ctx(r), pool_items(r)]
                 for r in cpu_rows])
        lines.append("From `/proc/<pid>/stat` (user + system) around each wrk run, divided by the requests it completed. "
                     "The postgres column (postgres store only) is the PostgreSQL server's whole process tree: the postmaster, "
                     "its live children (backends, walwriter, checkpointer…) and, through the postmaster's cutime + cstime, "
                     "the children that exited during the run. "
                     "The whole machine includes wrk, the corpus reader and anything else running; two cores give "
                     "2,000,000 µs per second, so req/s ≈ 2,000,000 / whole-machine µs when the machine is saturated. "
                     "Context switches are those of the proxy or gateway process, every thread's `voluntary_ctxt_switches` and "
                     "`nonvoluntary_ctxt_switches` summed from `/proc/<pid>/task/*/status` around the run (`/proc/<pid>/status` "
                     "counts the main thread only); a thread that exits during the run takes its count with it.")
        lines.append("")
    stage_rows = [r for r in ordered(summary, "full") if r["target"] == "gateway" and r.get("stages")]
    if stage_rows:
        table = []
        for r in stage_rows:
            run = f"gateway:{r['scenario']}"
            named = [(stage, r["stages"][stage]) for stage in STAGES if stage in r["stages"]]
            named += [(f"audit {phase}", figures) for phase, figures in r.get("audit_phases", {}).items()]
            for stage, f in named:
                table.append([r["store"], run, stage, "-" if f["per_request"] is None else f"{f['per_request']:.2f}",
                              us(f["mean_us"]), us(f["p50_us"]), us(f["p99_us"]), us(f["us_per_request"])])
            summed = [r["stages"][stage]["us_per_request"] for stage in STAGES if stage in r["stages"]]
            total = r["stages"].get("total", {})
            table.append([r["store"], run, "**stages summed**", "", "", "", "", us(sum(v for v in summed if v is not None))])
            table.append([r["store"], run, "**total**", "-" if total.get("per_request") is None else f"{total['per_request']:.2f}",
                          us(total.get("mean_us")), us(total.get("p50_us")), us(total.get("p99_us")), us(total.get("us_per_request"))])
        section(lines, "Where a request's time goes: per stage at full load (µs, median of the rounds)",
                ["store", "run", "stage", "runs per request", "mean", "p50", "p99", "µs per request"], table)
        lines.append("From the gateway's `gateway_request_stage_duration_seconds` histogram (and `gateway_audit_append_phase_seconds`, "
                     "when exported), scraped from its `/metrics` right before and right after each wrk run: mean = the sum's delta / the "
                     "count's delta; p50 and p99 are estimated from the bucket deltas by linear interpolation inside the bucket the "
                     "quantile falls in (as PromQL's `histogram_quantile`; buckets 1, 1.5, 2, 3, 5, 7.5 per decade from 1 µs to 2 s, so off by less than one bucket). "
                     "µs per request = the stage's time over the run / the requests the `total` stage counted; the stages summed stay "
                     "below `total`, whose rest is routing, authorization and YARP's own pipeline. Wall time: on a saturated machine it "
                     "includes waiting for a core.")
        lines.append("")
    audit_rows = [r for r in ordered(summary, "full") + ordered(summary, "half") if r.get("audit_export")]
    if audit_rows:
        section(lines, "Audit record bytes per allowed request",
                ["store", "run", "records", "records per request", "bytes per record", "bytes per request"],
                [[r["store"], f"{r['phase']} gateway:{r['scenario']}", r["audit_export"]["records"], f"{r['audit_export']['records_per_request']:.2f}",
                  r["audit_export"]["bytes_per_record"], r["audit_export"]["bytes_per_request"]] for r in audit_rows])
        lines.append("Round 1 of each allow row: the admin API's `GET /admin/v1/tenants/demo/audit/export?before=` (JSON Lines, every chain, "
                     "the records as stored) right before and right after the wrk run; its growth (newlines excluded) over the records it "
                     "gained, and over the requests the run completed. The same for every sink (file, Redis stream, PostgreSQL); the "
                     "sink's own overhead (stream ids, row headers, indexes) is not counted. Bytes per request divide by requests, not records, so "
                     "they stay right when one record stands for several requests (outcomes of one group, repeated refusals): records per "
                     "request is then below 2, and bytes per record is an average over decision and folded records.")
        lines.append("")
    write_store_calls(lines, store_calls(summary))
    write_receipt_signing(lines, summary)
    write_redis_script(lines, summary)
    rss = more.get("rss") or []
    if rss:
        section(lines, "Gateway memory (RSS)", ["store", "gateway", "peak MiB", "final MiB", "samples"],
                [[r["store"], r["gateway"], f"{r['peak_kb'] / 1024:.0f}", f"{r['final_kb'] / 1024:.0f}", r["samples"]] for r in rss])
    replicas = more.get("replicas")
    if replicas:
        lines.append("## Two replicas on one Redis: audit after the run")
        lines.append("")
        verify = replicas.get("verify_on_replica_0") or {}
        lines.append(f"Verify (on replica 0): intact **{verify.get('intact')}**, {verify.get('records')} records; append conflicts "
                     f"{json.dumps(replicas.get('append_conflicts'))} (`gateway_audit_append_conflicts_total` from each replica's /metrics port, summed over its partitions; null: not read).")
        lines.append("")
        for chain in verify.get("partitions") or []:
            lines.append(f"- chain `{chain.get('replica')}`: intact {chain.get('intact')}, {chain.get('records')} records")
        lines.append("")
    scaleout = more.get("scaleout") or []
    if scaleout:
        write_scaleout(lines, summary, scaleout)
    clients = more.get("redis_clients") or []
    if clients:
        section(lines, "The gateway's Redis client against redis-benchmark", ["client", "command", "concurrency", "ops/s", "errors"],
                [[c.get("client"), c.get("command"), c.get("concurrency"), f"{c.get('ops_per_s', 0):.0f}", c.get("errors")] for c in clients])
        lines.append("`setnx` = `SET gw:{tenant}:nonce:… ts NX PX 300000` (the nonce write); `admit` = the admission script "
                     "(nonce, two kill switches, two rate-limit windows), which only the gateway's client sends.")
        lines.append("")
    soak = more.get("soak_rss_kb_per_minute") or []
    if soak:
        lines.append("## Soak: RSS per minute (MiB)")
        lines.append("")
        lines.append(" ".join(f"{kb / 1024:.0f}" for kb in soak))
        lines.append("")
        lines.append(f"First {soak[0] / 1024:.0f} MiB, peak {max(soak) / 1024:.0f} MiB, last {soak[-1] / 1024:.0f} MiB.")
        lines.append("")
    if more.get("profile"):
        lines.append("CPU profile of the allow path: [profile.md](profile.md).")
        lines.append("")
    lines.append("Runs: " + "; ".join(f"`{k}` {v}" for k, v in SCENARIO_TEXT.items()) + ".")
    if env.get("variants"):
        lines.append(f"Variants (`LOADTEST_VARIANTS`): `scenario[name]` is that scenario (allow unless the variant names one, "
                     f"`name@scenario`) on a gateway of the same store started with the variant's extra arguments, at half load "
                     f"at the store's own rate for it: `{env['variants']}`.")
    lines.append("Errors: statuses other than the expected ones (200; 403 for block; 429 or 200 for ratelimited), "
                 "socket errors and timeouts, and requests beyond the corpus (each would be a replay).")
    lines.append("")
    lines.append("![percentiles](percentiles." + ("png" if os.path.exists(os.path.join(report_dir, "percentiles.png")) else "svg") + ")")
    lines.append("")
    with open(os.path.join(report_dir, "report.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def chart_rows(summary):
    rows = []
    for phase in ("full", "half"):
        for r in ordered(summary, phase):
            who = {"baseline": "base", "gateway": "gw"}.get(r["target"], r["target"])
            name = f"{r['store'][:3]} {'half ' if phase == 'half' else ''}{who}:{r['scenario']}"
            rows.append((name, r["p50_us"] or 0, r["p90_us"] or 0, r["p99_us"] or 0))
    return rows


def write_png(report_dir, rows):
    if not shutil.which("gnuplot") or not rows:
        return False
    data = os.path.join(report_dir, "percentiles.dat")
    with open(data, "w", encoding="utf-8") as handle:
        handle.write("run p50 p90 p99\n")
        for name, p50, p90, p99 in rows:
            handle.write(f"\"{name}\" {p50 / 1000:.3f} {p90 / 1000:.3f} {p99 / 1000:.3f}\n")
    script = f"""
set terminal pngcairo size {max(900, 70 * len(rows))},560 font "sans,10"
set output "{os.path.join(report_dir, 'percentiles.png')}"
set title "Latency percentiles (ms, median over rounds): bare YARP baseline vs gateway"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left
set ylabel "ms"
set grid ytics
set xtics rotate by -40 scale 0
set yrange [0:*]
plot "{data}" using 2:xtic(1) title "p50" lc rgb "#4e79a7", '' using 3 title "p90" lc rgb "#f28e2b", '' using 4 title "p99" lc rgb "#e15759"
"""
    result = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True, check=False)
    if result.returncode != 0:
        # pngcairo may be missing from a minimal build; the plain png terminal is always there.
        script = script.replace('pngcairo size', 'png size').replace(' font "sans,10"', '')
        result = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True, check=False)
    return result.returncode == 0


def write_svg(report_dir, rows):
    if not rows:
        return
    width, height, left, bottom, top = max(900, 70 * len(rows)), 560, 60, 150, 40
    plot_w, plot_h = width - left - 20, height - bottom - top
    peak = max(max(p50, p90, p99) for _, p50, p90, p99 in rows) / 1000 or 1
    colors = ("#4e79a7", "#f28e2b", "#e15759")
    group = plot_w / len(rows)
    bar = group * 0.8 / 3
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="13">Latency percentiles (ms, median over rounds): bare YARP baseline vs gateway</text>']
    for i in range(6):
        value = peak * i / 5
        y = top + plot_h - plot_h * i / 5
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:.1f}</text>')
    for index, (name, *values) in enumerate(rows):
        x0 = left + index * group + group * 0.1
        for k, value in enumerate(values):
            h = plot_h * (value / 1000) / peak
            parts.append(f'<rect x="{x0 + k * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colors[k]}"/>')
        cx = left + index * group + group / 2
        parts.append(f'<text transform="translate({cx:.1f},{top + plot_h + 10}) rotate(40)" text-anchor="start">{name}</text>')
    for k, name in enumerate(("p50", "p90", "p99")):
        parts.append(f'<rect x="{left + 10 + k * 60}" y="{top + 4}" width="12" height="12" fill="{colors[k]}"/>')
        parts.append(f'<text x="{left + 26 + k * 60}" y="{top + 14}">{name}</text>')
    parts.append(f'<text x="14" y="{top + plot_h / 2}" transform="rotate(-90 14,{top + plot_h / 2})">ms</text>')
    parts.append("</svg>")
    with open(os.path.join(report_dir, "percentiles.svg"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(parts))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    report_dir = sys.argv[1]
    rows, env = load(report_dir)
    summary = aggregate(rows)
    comps = comparisons(summary)
    more = extras(report_dir)
    more["cores"], more["soak_store"] = env.get("nproc"), env.get("soak_store")
    goal = targets(comps, summary, more)
    chart = chart_rows(summary)
    write_svg(report_dir, chart)
    write_png(report_dir, chart)
    report = {
        "environment": env,
        "targets": goal,
        "comparisons": comps,
        "store_calls_per_allowed_request": store_calls(summary),
        "summary": sorted(summary.values(), key=lambda r: (r["store"], r["phase"], ORDER.index(r["scenario"]) if r["scenario"] in ORDER else 99, r["target"])),
        "runs": rows,
        **more,
    }
    with open(os.path.join(report_dir, "report.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)
    write_markdown(report_dir, env, summary, comps, goal, more)
    for t in goal:
        print(json.dumps(t))
    return 0


if __name__ == "__main__":
    sys.exit(main())
