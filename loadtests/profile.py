#!/usr/bin/env python3
"""Summarises a dotnet-trace sampling profile (speedscope JSON) of the gateway's allow path.

Usage: profile.py PROFILE.speedscope.json REQUESTS_PER_SECOND SECONDS  > profile.md

Time on a frame is the sampled time of every thread whose stack top (exclusive) or stack
(inclusive) holds it; idle time (threads parked in waits, the thread pool's semaphore, epoll) is
left out, so what remains is CPU work. Per-request figures divide that work by the requests served
while the trace ran (throughput x seconds): "where each microsecond of a request goes". Standard
library only; reads both the evented and the sampled speedscope forms.
"""

import json
import os
import re
import sys
from collections import defaultdict

IDLE = re.compile(r"(Wait|Sleep|SemaphoreSlim|LowLevelLifoSemaphore|epoll_wait|WaitHandle|Monitor\.|UNMANAGED_CODE_TIME|"
                  r"Thread\.Join|ManualResetEvent|PortableThreadPool\.GateThread|Interop\+Sys\.(WaitForSocketEvents|Poll))")
# Threads the sampler reports on CPU while they wait in the runtime's native code, below the last managed frame: the
# finalizer thread between finalizers, and a thread suspended at a GC poll while a collection runs (Server GC's own
# threads do the collecting). Read from /proc/<pid>/task under full load, the finalizer thread takes no CPU and the GC
# threads about 2 % of a core, while these frames held up to 38 % and 20 % of the sampled "busy" time. Only as the top
# frame: a finalizer that runs is a frame above RunFinalizers, and counts.
PARKED = re.compile(r"(^System\.GC\.RunFinalizers\b|PollGCWorker)")
AREAS = [
    ("store (StackExchange.Redis)", re.compile(r"^StackExchange\.Redis|Pipelines\.Sockets")),
    ("gateway: store", re.compile(r"^Gateway\.Store")),
    ("gateway: audit", re.compile(r"^Gateway\.Oversight\.Audit")),
    ("gateway: policy", re.compile(r"^Gateway\.Policy")),
    ("gateway: proxy", re.compile(r"^Gateway\.Proxy")),
    ("gateway: other", re.compile(r"^Gateway\.")),
    ("YARP", re.compile(r"^Yarp\.")),
    ("Kestrel / ASP.NET Core", re.compile(r"^Microsoft\.AspNetCore")),
    ("HttpClient / sockets", re.compile(r"^System\.Net")),
    ("JSON", re.compile(r"^System\.Text\.Json")),
    ("crypto", re.compile(r"^System\.Security\.Cryptography|^Interop\+Crypto")),
    ("logging / telemetry", re.compile(r"^Microsoft\.Extensions\.Logging|^OpenTelemetry|^System\.Diagnostics")),
    ("GC / runtime", re.compile(r"^(GC|gc_|WKS::|SVR::|coreclr|libcoreclr|ThreadNative|JIT_)|Garbage")),
]


def area_of(name):
    for area, pattern in AREAS:
        if pattern.search(name):
            return area
    return "other (BCL, native)"


def plain(name):
    """The frame without its module ("System.Net.Http!System.Net.Http.HttpConnection.SendAsync" -> "System.Net.Http.HttpConnection.SendAsync")."""
    return name.split("!", 1)[1] if "!" in name else name


def short(name):
    name = re.sub(r"\(.*\)$", "", plain(name))
    return name if len(name) <= 110 else name[:107] + "..."


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, rps, seconds = sys.argv[1], float(sys.argv[2] or 0), float(sys.argv[3] or 0)
    with open(path, encoding="utf-8") as handle:
        doc = json.load(handle)
    frames = [plain(f.get("name", "?")) for f in doc.get("shared", {}).get("frames", [])]
    exclusive = defaultdict(float)
    inclusive = defaultdict(float)
    area_time = defaultdict(float)
    busy = idle = 0.0

    def account(stack, weight):
        nonlocal busy, idle
        if not stack or weight <= 0:
            return
        # Thread-time sampling ends each stack in a pseudo-frame: CPU_TIME (running) or a waiting state.
        top = frames[stack[-1]]
        if top == "CPU_TIME":
            stack = stack[:-1]
        elif top.isupper() and top.endswith("_TIME"):
            idle += weight
            return
        if not stack:
            return
        top = frames[stack[-1]]
        if PARKED.search(top) or IDLE.search(top) or any(IDLE.search(frames[i]) for i in stack[-3:]):
            idle += weight
            return
        busy += weight
        exclusive[top] += weight
        # The innermost frame that belongs to a named area decides the area (runtime helpers count for their caller).
        area = "other (BCL, native)"
        for index in reversed(stack):
            candidate = area_of(frames[index])
            if candidate != "other (BCL, native)":
                area = candidate
                break
        area_time[area] += weight
        for index in set(stack):
            inclusive[frames[index]] += weight

    for profile in doc.get("profiles", []):
        if profile.get("type") == "sampled":
            for stack, weight in zip(profile.get("samples", []), profile.get("weights", [])):
                account(stack, float(weight))
        else:
            stack, last = [], None
            for event in profile.get("events", []):
                at = float(event.get("at", 0))
                if last is not None and stack:
                    account(list(stack), at - last)
                last = at
                if event.get("type") == "O":
                    stack.append(event["frame"])
                elif event.get("type") == "C" and stack:
                    stack.pop()

    unit = "ms"
    requests = rps * seconds
    per_request = (lambda ms: ms * 1000.0 / requests) if requests > 0 else (lambda ms: float("nan"))
    out = []
    out.append("# CPU profile of the allow path (Redis)")
    out.append("")
    out.append(f"Source: `{os.path.basename(path)}` (dotnet-trace, sampled thread stacks). Busy time {busy:.0f} {unit}, idle (waits) {idle:.0f} {unit} left out. "
               f"Requests during the trace: about {requests:.0f} ({rps:.0f} req/s x {seconds:.0f} s), so busy CPU per request is "
               f"about **{per_request(busy):.0f} µs**.")
    out.append("")
    out.append("## Where each microsecond goes, by area")
    out.append("")
    out.append("| area | share of busy time | µs per request |")
    out.append("|---|---:|---:|")
    for area, ms in sorted(area_time.items(), key=lambda kv: -kv[1]):
        out.append(f"| {area} | {100 * ms / busy if busy else 0:.1f} % | {per_request(ms):.1f} |")
    out.append("")
    out.append("## Hottest frames (exclusive)")
    out.append("")
    out.append("| frame | share | µs per request |")
    out.append("|---|---:|---:|")
    for name, ms in sorted(exclusive.items(), key=lambda kv: -kv[1])[:25]:
        out.append(f"| `{short(name)}` | {100 * ms / busy if busy else 0:.1f} % | {per_request(ms):.1f} |")
    out.append("")
    out.append("## Gateway frames (inclusive)")
    out.append("")
    out.append("| frame | share | µs per request |")
    out.append("|---|---:|---:|")
    gateway = [(n, ms) for n, ms in inclusive.items() if n.startswith("Gateway.")]
    for name, ms in sorted(gateway, key=lambda kv: -kv[1])[:25]:
        out.append(f"| `{short(name)}` | {100 * ms / busy if busy else 0:.1f} % | {per_request(ms):.1f} |")
    out.append("")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
