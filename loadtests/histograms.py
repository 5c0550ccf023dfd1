#!/usr/bin/env python3
"""Per-stage latency of one load-test run from two scrapes of the gateway's /metrics.

Usage: histograms.py BEFORE AFTER   (Prometheus text files, scraped right before and right after the run)

Prints one JSON object: for gateway.request.stage.duration (label `stage`) and, when the gateway exports
them, gateway.audit.append.phase (label `phase`) and gateway.store.duration (label `operation`: one per
store call, field `store_operations`), per label value the run's count, the sum in µs, the mean,
and p50/p99 estimated from the bucket deltas by linear interpolation inside the bucket the quantile falls
in (as Prometheus' histogram_quantile does; a quantile in the +Inf bucket is the highest finite bound),
plus the audit records appended in the run (gateway_audit_records_total) and the Redis store's batched
admissions (gateway.store.admission_batch.size: calls and admissions they decided), and the decision receipts signed
(gateway.evidence.receipt_signing.duration and receipt_batch.size: audit groups, receipts, time). Series of other labels
(replica, tenant) are summed. Standard library only.
"""

import json
import re
import sys

HISTOGRAMS = {
    "stages": ("gateway_request_stage_duration_seconds", "stage"),
    "audit_phases": ("gateway_audit_append_phase_seconds", "phase"),
    "store_operations": ("gateway_store_duration_seconds", "operation"),
}
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def samples(path):
    """(name, labels dict, value) per sample line of a Prometheus text file."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "{" in line:
                name, rest = line.split("{", 1)
                labels, value = rest.rsplit("}", 1)
                labels = dict(LABEL.findall(labels))
            else:
                name, value = line.split(None, 1)
                labels = {}
            try:
                out.append((name, labels, float(value.split()[0])))
            except ValueError:
                continue
    return out


def histogram(rows, name, key):
    """{label value: {"buckets": {le: cumulative count}, "sum": s, "count": n}} summed over other labels."""
    out = {}
    for metric, labels, value in rows:
        if not metric.startswith(name + "_") or key not in labels:
            continue
        entry = out.setdefault(labels[key], {"buckets": {}, "sum": 0.0, "count": 0.0})
        suffix = metric[len(name) + 1:]
        if suffix == "bucket":
            le = float("inf") if labels.get("le") == "+Inf" else float(labels["le"])
            entry["buckets"][le] = entry["buckets"].get(le, 0.0) + value
        elif suffix == "sum":
            entry["sum"] += value
        elif suffix == "count":
            entry["count"] += value
    return out


def quantile(q, buckets, count):
    """histogram_quantile over cumulative (le, count) pairs, in the histogram's unit."""
    if count <= 0:
        return None
    rank = q * count
    lower_bound, lower_count = 0.0, 0.0
    finite = [le for le, _ in buckets if le != float("inf")]
    for le, cumulative in buckets:
        if cumulative >= rank:
            if le == float("inf"):
                return finite[-1] if finite else None
            if cumulative == lower_count:
                return le
            return lower_bound + (le - lower_bound) * (rank - lower_count) / (cumulative - lower_count)
        lower_bound, lower_count = le, cumulative
    return finite[-1] if finite else None


def delta(before, after, name, key):
    start, end = histogram(before, name, key), histogram(after, name, key)
    out = {}
    for value, entry in end.items():
        prior = start.get(value, {"buckets": {}, "sum": 0.0, "count": 0.0})
        count = entry["count"] - prior["count"]
        if count <= 0:
            continue
        total = entry["sum"] - prior["sum"]
        buckets = sorted((le, n - prior["buckets"].get(le, 0.0)) for le, n in entry["buckets"].items())
        p50, p99 = quantile(0.5, buckets, count), quantile(0.99, buckets, count)
        out[value] = {
            "count": int(round(count)),
            "sum_us": round(total * 1e6, 1),
            "mean_us": round(total * 1e6 / count, 1),
            "p50_us": None if p50 is None else round(p50 * 1e6, 1),
            "p99_us": None if p99 is None else round(p99 * 1e6, 1),
        }
    return out


def counter(rows, name):
    values = [value for metric, _, value in rows if metric == name]
    return sum(values) if values else None


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    before, after = samples(sys.argv[1]), samples(sys.argv[2])
    result = {field: delta(before, after, name, key) for field, (name, key) in HISTOGRAMS.items()}
    records_before, records_after = counter(before, "gateway_audit_records_total"), counter(after, "gateway_audit_records_total")
    if records_before is not None and records_after is not None:
        result["audit_records"] = int(round(records_after - records_before))
    batch = "gateway_store_admission_batch_size"
    calls = (counter(after, batch + "_count") or 0) - (counter(before, batch + "_count") or 0)
    if calls > 0:
        admissions = (counter(after, batch + "_sum") or 0) - (counter(before, batch + "_sum") or 0)
        result["admission_batches"] = {"calls": int(round(calls)), "admissions": int(round(admissions))}
    # Issue #28: receipts signed per audit group (one signature per group when batched, one per receipt otherwise).
    signing, size = "gateway_evidence_receipt_signing_duration_seconds", "gateway_evidence_receipt_batch_size"
    groups = (counter(after, signing + "_count") or 0) - (counter(before, signing + "_count") or 0)
    if groups > 0:
        result["receipt_signing"] = {
            "groups": int(round(groups)),
            "receipts": int(round((counter(after, size + "_sum") or 0) - (counter(before, size + "_sum") or 0))),
            "sum_us": round(((counter(after, signing + "_sum") or 0) - (counter(before, signing + "_sum") or 0)) * 1e6, 1),
        }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
