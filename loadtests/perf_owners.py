#!/usr/bin/env python3
"""Self time by owner from `perf report -n --no-children --sort dso,sym --stdio -g none` on stdin.

A native frame counts for its library (the kernel, the runtime, OpenSSL, the C library); a JIT-compiled .NET frame for
the assembly perf's map names in brackets before its type (`[gateway]`, `[Gateway.Audit]`, `[System.Private.CoreLib]`).
Prints one line per owner, largest first: the percentage of the recording's samples and the owner. Shares are counted
from each line's samples (`-n`), not summed from its rounded percentage: an owner of a few hundred frames of 0.04 %
each would otherwise read up to half a point high.
"""
import collections
import re
import sys

LINE = re.compile(r"\s*[\d.]+%\s+(\d+)\s+(.+?)\s+\[(.)\]\s+(.*)")
ASSEMBLY = re.compile(r"\[([A-Za-z0-9_.]+)\]\s+[A-Za-z0-9_.`<>+]+")


def main() -> None:
    owners: collections.Counter[str] = collections.Counter()
    for line in sys.stdin:
        match = LINE.match(line)
        if not match:
            continue
        samples, library, symbol = int(match.group(1)), match.group(2).strip(), match.group(4)
        if library.startswith("[JIT]"):
            assembly = ASSEMBLY.search(symbol)
            owners[".NET " + (assembly.group(1) if assembly else "(unnamed)")] += samples
        else:
            owners[library] += samples
    total = sum(owners.values())
    for owner, samples in owners.most_common(30):
        print(f"{100 * samples / total:6.2f}%  {owner}")


if __name__ == "__main__":
    main()
