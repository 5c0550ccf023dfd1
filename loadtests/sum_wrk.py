#!/usr/bin/env python3
"""Sums the WRK_JSON summaries of wrk runs made at the same time against several gateway replicas into one row:
requests, rates and errors added, each latency percentile the worst of the parts, statuses merged, and each
replica's own rate under "replicas" (loadtests/run.sh: the two-replica and scale-out rows)."""
import json, sys
parts = []
for path in sys.argv[1:]:
    lines = [l[len("WRK_JSON "):] for l in open(path, encoding="utf-8", errors="replace") if l.startswith("WRK_JSON ")]
    if lines:
        parts.append(json.loads(lines[-1]))
if not parts:
    print(json.dumps({"requests": 0, "rps": 0, "unexpected": 0, "socket_errors": 0, "exhausted": 0, "latency_us": {}, "statuses": {}, "failed": True}))
    sys.exit(0)
out = {k: sum(p.get(k, 0) for p in parts) for k in ("requests", "rps", "ok", "ok_rps", "unexpected", "socket_errors", "timeouts", "exhausted", "corpus", "sent")}
out["latency_us"] = {k: max(p.get("latency_us", {}).get(k, 0) for p in parts) for k in parts[0].get("latency_us", {})}
statuses = {}
for p in parts:
    for code, n in p.get("statuses", {}).items():
        statuses[code] = statuses.get(code, 0) + n
out["statuses"] = statuses
out["replicas"] = [p.get("rps", 0) for p in parts]
print(json.dumps(out))
