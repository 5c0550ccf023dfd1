#!/usr/bin/env python3
"""What one load-test run cost Redis, per request: commands by name, script runs, memory and keys.

Usage: redis_stats.py COMMANDSTATS REQUESTS [BEFORE AFTER]

COMMANDSTATS is Redis' `INFO commandstats` after the run (run.sh resets the counters with CONFIG RESETSTAT
right before it); REQUESTS the requests the run completed; BEFORE and AFTER, each "used_memory dbsize"
(`INFO memory`'s used_memory in bytes and DBSIZE), read right before the reset and right after the
commandstats, or empty when Redis did not answer. Prints one JSON object (empty when nothing was read):
calls per command, per request; script runs per request (evalsha, eval and fcall, read-only forms too);
used_memory's growth per request; the keys before and after the run and the keys added per request.
The loadtest's own CONFIG RESETSTAT is left out; its INFO and DBSIZE calls fall outside the counted window.
Redis 7 counts a command a script runs (redis.call) under that command's name too, so the commands per
request are the top-level ones and those inside scripts together. Standard library only.
"""

import json
import re
import sys

# cmdstat_<name>:calls=N,usec=...   (Redis 7 names subcommands "config|resetstat")
LINE = re.compile(r"^cmdstat_([^:]+):calls=(\d+)")
SCRIPT_COMMANDS = ("evalsha", "eval", "evalsha_ro", "eval_ro", "fcall", "fcall_ro")
OWN_COMMANDS = ("config|resetstat",)


def calls(path):
    """{command: calls} from an INFO commandstats text, the loadtest's own commands left out."""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            match = LINE.match(line.strip())
            if match and match.group(1) not in OWN_COMMANDS:
                out[match.group(1)] = out.get(match.group(1), 0) + int(match.group(2))
    return out


def pair(text):
    """"used_memory dbsize" -> (int, int), or None when not read."""
    parts = text.split()
    return (int(parts[0]), int(parts[1])) if len(parts) == 2 and all(p.isdigit() for p in parts) else None


def figures(counted, requests, before=None, after=None):
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
    return out


def main():
    if len(sys.argv) not in (3, 5):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        counted = calls(sys.argv[1])
    except OSError:
        counted = {}
    before, after = (pair(sys.argv[3]), pair(sys.argv[4])) if len(sys.argv) == 5 else (None, None)
    print(json.dumps(figures(counted, int(float(sys.argv[2] or 0)), before, after)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
