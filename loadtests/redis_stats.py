#!/usr/bin/env python3
"""What one load-test run cost Redis, per request: commands by name, script runs, memory and keys.

Usage: redis_stats.py COMMANDSTATS REQUESTS [BEFORE AFTER]

COMMANDSTATS is Redis' `INFO commandstats` after the run, then its `INFO latencystats` (Redis 7; run.sh resets
both with CONFIG RESETSTAT right before the run); REQUESTS the requests the run completed; BEFORE and AFTER, each "used_memory dbsize"
(`INFO memory`'s used_memory in bytes and DBSIZE), read right before the reset and right after the
commandstats, or empty when Redis did not answer. Prints one JSON object (empty when nothing was read):
calls per command, per request; script runs per request (evalsha, eval and fcall, read-only forms too);
used_memory's growth per request; the keys before and after the run and the keys added per request; the scripts'
time per run on redis-server's own clock (commandstats' usec over their calls) and, from latencystats, the p50, p99
and p99.9 of the script command the run sent most.
The loadtest's own CONFIG RESETSTAT is left out; its INFO and DBSIZE calls fall outside the counted window.
Redis 7 counts a command a script runs (redis.call) under that command's name too, so the commands per
request are the top-level ones and those inside scripts together. Standard library only.
"""

import json
import re
import sys

# cmdstat_<name>:calls=N,usec=...   (Redis 7 names subcommands "config|resetstat")
LINE = re.compile(r"^cmdstat_([^:]+):calls=(\d+),usec=(\d+)")
# latency_percentiles_usec_<name>:p50=108.031,p99=296.959,p99.9=659.455
PERCENTILES = re.compile(r"^latency_percentiles_usec_([^:]+):(.*)$")
SCRIPT_COMMANDS = ("evalsha", "eval", "evalsha_ro", "eval_ro", "fcall", "fcall_ro")
OWN_COMMANDS = ("config|resetstat",)


def parse(lines):
    """({command: calls}, {command: usec}, {command: {percentile: usec}}) from the lines of an INFO commandstats text
    followed by an INFO latencystats text, the loadtest's own commands left out."""
    counted, usec, percentiles = {}, {}, {}
    for line in lines:
        line = line.strip()
        match = LINE.match(line)
        if match and match.group(1) not in OWN_COMMANDS:
            counted[match.group(1)] = counted.get(match.group(1), 0) + int(match.group(2))
            usec[match.group(1)] = usec.get(match.group(1), 0) + int(match.group(3))
            continue
        match = PERCENTILES.match(line)
        if match and match.group(1) not in OWN_COMMANDS:
            pairs = (part.split("=", 1) for part in match.group(2).split(",") if "=" in part)
            percentiles[match.group(1)] = {name: float(value) for name, value in pairs}
    return counted, usec, percentiles


def read(path):
    """parse of a file."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        return parse(handle)


def script_time(counted, usec, percentiles):
    """The scripts' µs per run (every script command together) and the percentiles of the one run most, or {}."""
    runs = sum(counted.get(name, 0) for name in SCRIPT_COMMANDS)
    if not runs:
        return {}
    out = {"script_us_per_run": round(sum(usec.get(name, 0) for name in SCRIPT_COMMANDS) / runs, 1)}
    busiest = max(SCRIPT_COMMANDS, key=lambda name: counted.get(name, 0))
    if busiest in percentiles:
        out["script_latency_us"] = percentiles[busiest]
    return out


def pair(text):
    """"used_memory dbsize" -> (int, int), or None when not read."""
    parts = text.split()
    return (int(parts[0]), int(parts[1])) if len(parts) == 2 and all(p.isdigit() for p in parts) else None


def figures(counted, requests, before=None, after=None, usec=None, percentiles=None):
    if requests <= 0 or not counted:
        return {}
    ordered = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    out = {
        "calls": dict(ordered),
        "commands_per_request": {name: round(n / requests, 4) for name, n in ordered},
        "commands_total_per_request": round(sum(counted.values()) / requests, 4),
        "script_runs_per_request": round(sum(counted.get(name, 0) for name in SCRIPT_COMMANDS) / requests, 4),
    }
    if before and after:
        out["used_memory_before"], out["keys_before"] = before
        out["used_memory_after"], out["keys_after"] = after
        out["memory_bytes_per_request"] = round((after[0] - before[0]) / requests, 1)
        out["keys_added_per_request"] = round((after[1] - before[1]) / requests, 3)
    out.update(script_time(counted, usec or {}, percentiles or {}))
    return out


def main():
    if len(sys.argv) not in (3, 5):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        counted, usec, percentiles = read(sys.argv[1])
    except OSError:
        counted, usec, percentiles = {}, {}, {}
    before, after = (pair(sys.argv[3]), pair(sys.argv[4])) if len(sys.argv) == 5 else (None, None)
    print(json.dumps(figures(counted, int(float(sys.argv[2] or 0)), before, after, usec, percentiles)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
