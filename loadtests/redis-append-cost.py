#!/usr/bin/env python3
"""What one audit record costs redis-server, by size, growing the journal or not.

Starts its own redis-server on a free loopback port (no persistence), sends the journal's own append
script (read from store/Gateway.Store/RedisScripts*.cs) in groups, and reads the server's CPU from
INFO commandstats (usec spent inside each command, the script included) and from /proc. Three cases per
record size:

  grow   the journal as the gateway writes it: every group appended, the stream only grows
  reuse  the same, but the stream is deleted after every group, so the server reuses its memory
  args   a script that does nothing with the same arguments: the cost of passing the records in

Usage: loadtests/redis-append-cost.py [report-dir]   (default artifacts/loadtests/reports/redis-append-<stamp>, git-ignored;
       give loadtests/reports/redis-append-<stamp> to keep it in the tree, for a document to cite)
"""
import glob
import os
import re
import sys
import time

# resp.py beside this script, however it is loaded (run, or imported by a test).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resp import Redis, idle_server  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GROUP = 11            # records per group: what the load test's allow run averaged (44,520 records in 4,037 groups)
GROUPS = 1500
SIZES = [300, 1024, 3300]


def append_script():
    """The gateway's Append script as RedisScripts composes it: the append step, then its body (from its parts' files)."""
    parts = sorted(glob.glob(os.path.join(ROOT, "store/Gateway.Store/RedisScripts*.cs")))
    source = "\n".join(open(part, encoding="utf-8").read() for part in parts)
    step = re.search(r'private const string AppendStep = """\n(.*?)\n\s*""";', source, re.S)
    body = re.search(r'public static LuaScript Append \{ get; \} = LuaScript\.Prepare\(AppendStep \+ """\n(.*?)\n\s*"""\);', source, re.S)
    if not step or not body:
        sys.exit("the Append script was not found in store/Gateway.Store/RedisScripts*.cs")
    return "\n".join(line.strip() for line in (step.group(1) + "\n" + body.group(1)).splitlines())


def cpu_us(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1_000_000 / os.sysconf("SC_CLK_TCK")


def command_usec(redis):
    stats = redis.call("INFO", "commandstats").decode()
    total = 0
    for line in stats.splitlines():
        if line.startswith("cmdstat_") and not line.startswith(("cmdstat_info", "cmdstat_config", "cmdstat_flushall", "cmdstat_script")):
            total += int(re.search(r"usec=(\d+)", line).group(1))
    return total


def measure(redis, pid, sha, noop, size, case):
    redis.call("FLUSHALL")
    redis.call("CONFIG", "RESETSTAT")
    record = (b"r" * size)
    records = [record] * GROUP
    length = 0
    cpu0 = cpu_us(pid)
    started = time.time()
    for _ in range(GROUPS):
        # After the expected length: no explanation fields and no companion entries (RedisScripts.Append's arguments).
        if case == "args":
            redis.call("EVALSHA", noop, 1, "audit", 0, 0, 0, *records)
            continue
        if redis.call("EVALSHA", sha, 1, "audit", length, 0, 0, *records) != b"1":
            sys.exit("the append script refused a group")
        length += GROUP
        if case == "reuse":
            # Keep the stream short (the XLEN the script checks stays in step): memory is freed and reused.
            redis.call("DEL", "audit")
            length = 0
    elapsed = time.time() - started
    records_sent = GROUPS * GROUP
    return {
        "case": case,
        "size": size,
        "usec_per_record": command_usec(redis) / records_sent,
        "cpu_us_per_record": (cpu_us(pid) - cpu0) / records_sent,
        "used_memory_mb": int(re.search(rb"used_memory:(\d+)", redis.call("INFO", "memory")).group(1)) / 1048576,
        "elapsed_s": elapsed,
    }


def default_report_dir(stamp):
    """Where a run writes without an argument: under artifacts/, git-ignored (a report a document cites is kept by naming
    loadtests/reports/... instead)."""
    return os.path.join(ROOT, "artifacts", "loadtests", "reports", "redis-append-" + stamp)


def main():
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    report_dir = sys.argv[1] if len(sys.argv) > 1 else default_report_dir(stamp)
    os.makedirs(report_dir, exist_ok=True)
    with idle_server() as (port, server):
        redis = Redis(port)
        sha = redis.call("SCRIPT", "LOAD", append_script()).decode()
        noop = redis.call("SCRIPT", "LOAD", "return #ARGV").decode()
        rows = [measure(redis, server.pid, sha, noop, size, case) for size in SIZES for case in ("grow", "reuse", "args")]
        version = redis.call("INFO", "server").decode()
        version = re.search(r"redis_version:(\S+)", version).group(1)
        redis.close()

    lines = [
        "# What one audit record costs redis-server",
        "",
        f"`loadtests/redis-append-cost.py`, {stamp}, redis {version}, {os.cpu_count()} cores. The journal's append script "
        f"(`RedisScripts.Append`) in {GROUPS} groups of {GROUP} records per case. `usec` is the server's own accounting "
        "(`INFO commandstats`, the script and the commands it runs); `cpu` is redis-server's user + system time from `/proc`, "
        "which adds reading the request off the socket.",
        "",
        "| record bytes | case | usec per record | cpu µs per record | used memory at the end (MiB) |",
        "|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['size']} | {r['case']} | {r['usec_per_record']:.2f} | {r['cpu_us_per_record']:.2f} | {r['used_memory_mb']:.1f} |")
    lines += [
        "",
        "grow: the stream only grows, as the gateway's journal does. reuse: the same appends, the stream deleted after each",
        "group so the server's allocator reuses its memory. args: a script that returns at once, given the same records.",
    ]
    open(os.path.join(report_dir, "report.md"), "w", encoding="utf-8").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
