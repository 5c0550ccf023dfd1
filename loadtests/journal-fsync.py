#!/usr/bin/env python3
"""What one group commit of the embedded store's journal costs the file system: a write and an fsync, appended at the
file's end (the file grows with each group) against written into zeros already there (StateJournal since cd06c55c: the
file is written 256 KiB at a time with zeros, ahead of the groups). Prints, per group size, the CPU per group and the
wall time of each group's write and fsync (p50, p99, p99.9, max), rounds alternated, medians over them. Run it where
the journal would live: the file system is what is measured.

    python3 loadtests/journal-fsync.py [--dir DIR] [--groups 4000] [--rounds 3]
"""
import argparse
import os
import statistics
import time

AHEAD = 256 * 1024


def measure(path: str, groups: int, size: int, ahead: bool) -> list[float]:
    """CPU µs per group, then the p50, p99, p99.9 and max µs of a group's write and fsync."""
    if os.path.exists(path):
        os.remove(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        group, zeros = b"x" * size, b"\0" * AHEAD
        waits = []
        cpu = time.process_time()
        end = allocated = 0
        for _ in range(groups):
            started = time.perf_counter()
            if ahead and end + size > allocated:
                target = end + size + AHEAD
                while allocated < target:
                    os.pwrite(fd, zeros, allocated)
                    allocated += AHEAD
            os.pwrite(fd, group, end)
            end += size
            os.fsync(fd)
            waits.append((time.perf_counter() - started) * 1e6)
        cpu = (time.process_time() - cpu) / groups * 1e6
        waits.sort()
        return [cpu] + [waits[min(len(waits) - 1, int(len(waits) * q))] for q in (0.5, 0.99, 0.999)] + [waits[-1]]
    finally:
        os.close(fd)
        os.remove(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=".", help="where the file is written (default: here)")
    parser.add_argument("--groups", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each both ways in turn; medians printed")
    args = parser.parse_args()
    path = os.path.join(args.dir, "journal-fsync.tmp")
    print("| group bytes | file | CPU µs per group | wall p50 µs | p99 | p99.9 | max |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for size in (1500, 20000):
        results: dict[bool, list[list[float]]] = {False: [], True: []}
        for _ in range(args.rounds):
            for ahead in (False, True):
                results[ahead].append(measure(path, args.groups, size, ahead))
        for ahead in (False, True):
            cells = [f"{statistics.median(r[i] for r in results[ahead]):,.0f}" for i in range(5)]
            print(f"| {size:,} | {'into zeros' if ahead else 'appended'} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
