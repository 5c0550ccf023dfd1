#!/usr/bin/env python3
"""What the gateway's script calls of a load-test run cost Redis on its own clock, replayed in order on an idle server.

Usage: loadtests/redis-replay.py CAPTURE [--from N] [--to M] [--script FILE] [--append-script FILE] [--port PORT]
       [--pace SECONDS]

CAPTURE is the `MONITOR` output of a run (`LOADTEST_REDIS_MONITOR=1` writes it to runs/redis-monitor-PORT.txt from the
moment its redis-server is up, so that the gateway's `SCRIPT LOAD`s are in it). The top-level commands the gateway sent
(not those its scripts ran) are sent again, in order, to a fresh redis-server on a free loopback port (or to --port),
one at a time. The audit group's scripts (`AppendAdmit`, `Append`) are told by the bodies of the capture's `SCRIPT
LOAD`s and `EVAL`s; before each call of one the chain's expected length is set to the stream's length on this server
when the call appended in the run (the capture shows its script's `XADD`s after it), and to -1 when it did not (a writer
that lost a race for the chain's next index), so that every call appends, or not, as it did in the run. `--script FILE`
runs that script in place of `AppendAdmit` (a cut-down variant, to see what a part costs), `--append-script FILE` in
place of `Append`: every call of the script it stands in for, the `EVAL`s a client sent after a `NOSCRIPT` included, so
that a variant that keeps state of its own for the next call (a key both scripts write) sees every append; `--pace`
sleeps before each counted call (a fixed rate's gaps).

Prints one JSON object: the `EVALSHA` calls counted (the --from-th to the --to-th, 1-based; all by default), how many
answered as appended (a reply that starts with 1; a variant may say so without appending), how many named a script not
loaded at that point (`noscript`: as in the run, a client's first try before its `EVAL`; many mean MONITOR started after
the gateway), and Redis' own figures over them, read as a load-test report reads them (loadtests/redis_stats.py): the
scripts' usec per run (`INFO commandstats`) and the p50 / p99 / p99.9 (`INFO latencystats`, Redis 7), each command a
script ran counted too. Standard library only.
"""
import argparse
import hashlib
import json
import os
import re
import sys
import time

# resp.py beside this script, however it is loaded (run, or imported by a test).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redis_stats  # noqa: E402
from resp import Redis, RedisError, idle_server  # noqa: E402

# A MONITOR line: `<time> [<db> <client>] "<command>" "<arg>" ...`; commands a script ran show `[<db> lua]`.
ARGUMENT = re.compile(r'"((?:[^"\\]|\\.)*)"')
ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "a": b"\a", "b": b"\b", '"': b'"', "\\": b"\\"}
REPLAYED = {b"SCRIPT", b"EVAL", b"EVALSHA", b"SET", b"GET", b"XLEN", b"HMGET"}
# The audit group's scripts, told by their bodies (the capture's SCRIPT LOADs), and the argument after the keys that holds
# the chain's expected length: AppendAdmit's first is the index of its last append argument, then the length; Append's
# first is the length.
EXPECTED_LENGTH_AT = {"append_admit": 1, "append": 0}
KIND_MARKERS = (("append_admit", b"if not append(2, last) then"), ("append", b"return append(1, #ARGV)"))


def unescape(text):
    """A MONITOR argument as the bytes the client sent (MONITOR writes them with C escapes)."""
    out, i = bytearray(), 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            if text[i + 1] == "x":
                out.append(int(text[i + 2:i + 4], 16))
                i += 4
                continue
            out += ESCAPES.get(text[i + 1], text[i + 1].encode())
            i += 2
            continue
        out += text[i].encode("utf-8", "surrogateescape")
        i += 1
    return bytes(out)


def commands(path):
    """The top-level commands of a MONITOR capture, each a list of bytes, with the names of the commands its script ran
    (the `lua` lines after it, upper case)."""
    pending, ran = None, []
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        for line in handle:
            head, _, rest = line.partition("]")
            if not rest:
                continue
            args = [unescape(m) for m in ARGUMENT.findall(rest)]
            if not args:
                continue
            if " lua" in head:
                ran.append(args[0].upper())
                continue
            if pending is not None:
                yield pending, ran
            pending, ran = args, []
    if pending is not None:
        yield pending, ran


def script_figures(redis):
    """The scripts' usec per run and the percentiles of the one run most (EVALSHA) on this server since the last reset,
    read as the load test reads them (loadtests/redis_stats.py)."""
    text = b"".join(redis.call("INFO", section) or b"" for section in ("commandstats", "latencystats"))
    figures = redis_stats.script_time(*redis_stats.parse(text.decode(errors="replace").splitlines()))
    out = {"usec_per_call": figures["script_us_per_run"]} if "script_us_per_run" in figures else {}
    if "script_latency_us" in figures:
        out["latency_us"] = figures["script_latency_us"]
    return out


def kind_of(body):
    """"append_admit", "append" or None: which of the audit group's scripts a script body is."""
    return next((kind for kind, marker in KIND_MARKERS if marker in body), None)


def fix_expected_length(redis, args, kind, appended_in_run):
    """Sets an audit group call's expected length to its stream's (KEYS[1]) length on this server when it appended in the
    run, else to -1, which no stream's length matches."""
    keys = int(args[2])
    at = 3 + keys + EXPECTED_LENGTH_AT[kind]
    if keys == 0 or at >= len(args):
        return
    if not appended_in_run:
        args[at] = b"-1"
        return
    length = redis.call("XLEN", args[3])
    if isinstance(length, bytes):
        args[at] = length


def replay(capture, port, first=1, last=None, script=None, pace=0.0, append_script=None):
    """Replays the capture on the server at port; the figures over the first-th to the last-th EVALSHA."""
    redis = Redis(port)
    try:
        return replay_on(redis, capture, first, last, {"append_admit": script, "append": append_script}, pace)
    finally:
        redis.close()


def replay_on(redis, capture, first, last, scripts, pace):
    """replay's work on one open connection; scripts: the variant file (or None) for each kind of audit script."""
    variants = {kind: redis.call("SCRIPT", "LOAD", open(path, "rb").read()) for kind, path in scripts.items() if path}
    kinds = {}
    seen, counted, appended, missing = 0, 0, 0, 0
    for args, ran in commands(capture):
        name = args[0].upper()
        appended_in_run = b"XADD" in ran
        if name not in REPLAYED:
            continue
        if name == b"SCRIPT" and len(args) == 3 and args[1].upper() == b"LOAD":
            kinds[hashlib.sha1(args[2]).hexdigest().encode()] = kind_of(args[2])
        if name == b"EVAL" and len(args) > 2:
            kinds[hashlib.sha1(args[1]).hexdigest().encode()] = kind = kind_of(args[1])
            if kind:
                fix_expected_length(redis, args, kind, appended_in_run)
            if kind in variants:
                args = [b"EVALSHA", variants[kind]] + args[2:]
        if name == b"EVALSHA":
            seen += 1
            if last is not None and seen > last:
                break
            if seen == first:
                redis.call("CONFIG", "RESETSTAT")
            kind = kinds.get(args[1].lower())
            if kind in variants:
                args[1] = variants[kind]
            if kind:
                fix_expected_length(redis, args, kind, appended_in_run)
            if seen >= first and pace:
                time.sleep(pace)
        reply = redis.send(*args)
        if name == b"EVALSHA" and seen >= first:
            counted += 1
            appended += isinstance(reply, bytes) and reply[:1] == b"1"
            missing += isinstance(reply, RedisError) and str(reply).startswith("NOSCRIPT")
    return dict({"calls": counted, "appended": appended, "noscript": missing}, **script_figures(redis))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("capture")
    parser.add_argument("--from", dest="first", type=int, default=1)
    parser.add_argument("--to", dest="last", type=int)
    parser.add_argument("--script")
    parser.add_argument("--append-script")
    parser.add_argument("--port", type=int)
    parser.add_argument("--pace", type=float, default=0.0)
    options = parser.parse_args()
    if options.port:
        print(json.dumps(replay(options.capture, options.port, options.first, options.last, options.script, options.pace, options.append_script)))
        return 0
    with idle_server() as (port, _):
        print(json.dumps(replay(options.capture, port, options.first, options.last, options.script, options.pace, options.append_script)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
