using System.Diagnostics.Metrics;

namespace Gateway.Audit;

/// <summary>
/// The audit log's instruments. They stay on meter <c>Gateway.Oversight</c>, where they were before the audit log
/// left that project, so that their series (and their <c>otel_scope_name</c>) do not change for dashboards and alerts.
/// </summary>
public sealed class AuditMetrics
{
    /// <summary>The meter name to subscribe to (shared with Gateway.Oversight's instruments).</summary>
    public const string MeterName = "Gateway.Oversight";

    /// <summary>The <c>phase</c> of <c>gateway.audit.append.phase</c>: an entry's wait from enqueue until its group starts sealing.</summary>
    public const string PhaseQueued = "queued";

    /// <summary>The <c>phase</c> of <c>gateway.audit.append.phase</c>: an answered request's outcome's wait until its group starts sealing (its linger).</summary>
    public const string PhaseLingered = "lingered";

    /// <summary>The <c>phase</c> of <c>gateway.audit.append.phase</c>: sealing the entry's group.</summary>
    public const string PhaseSeal = "seal";

    /// <summary>The <c>phase</c> of <c>gateway.audit.append.phase</c>: the entry's group's store call.</summary>
    public const string PhaseWrite = "write";

    // 10 µs to 1 s, about three buckets a decade.
    private static readonly double[] AppendPhaseBuckets =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    private readonly Counter<long> _auditRecords;
    private readonly Counter<long> _auditConflicts;
    private readonly Counter<long> _auditBacklogDropped;
    private readonly Histogram<double> _auditAppendPhase;
    private readonly Counter<long> _witnessPushes;
    private readonly Counter<long> _checkpoints;
    private readonly Histogram<double> _receiptSigning;
    private readonly Histogram<long> _receiptBatchSize;

    public AuditMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _auditRecords = meter.CreateCounter<long>("gateway.audit.records", "{record}", "Audit records appended.");
        _auditConflicts = meter.CreateCounter<long>("gateway.audit.append_conflicts", "{conflict}", "Appends retried because another writer extended the chain first (per partition: tenant and replica).");
        _auditBacklogDropped = meter.CreateCounter<long>("gateway.audit.backlog_dropped", "{record}", "Refusals that could not be recorded later because the backlog (sink down) was full.");
        _auditAppendPhase = meter.CreateHistogram(
            "gateway.audit.append.phase",
            "s",
            "Each audit record's time in one phase of its append (tag phase): queued (from enqueue until its group starts sealing), lingered (the same for an answered request's outcome, which waits for the chain's next append), seal (sealing its group), write (its group's store call).",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AppendPhaseBuckets });
        _witnessPushes = meter.CreateCounter<long>("gateway.evidence.witness_pushes", "{checkpoint}", "Checkpoint pushes to the witness by outcome (delivered, retried, dropped).");
        _checkpoints = meter.CreateCounter<long>("gateway.evidence.checkpoints", "{checkpoint}", "Signed audit checkpoints published.");
        _receiptSigning = meter.CreateHistogram(
            "gateway.evidence.receipt_signing.duration",
            "s",
            "Signing one audit group's decision receipts (claims, Merkle paths and the signatures: one per group when batched).",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AppendPhaseBuckets });
        _receiptBatchSize = meter.CreateHistogram(
            "gateway.evidence.receipt_batch.size",
            "{receipt}",
            "Receipts signed together for one audit group.",
            tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
    }

    /// <summary>One audit group's receipts signed: how many, with how many signatures, in how long.</summary>
    internal void ReceiptsSigned(int receipts, bool batched, TimeSpan elapsed)
    {
        var tags = new KeyValuePair<string, object?>("signing", batched ? "batch" : "each");
        _receiptSigning.Record(elapsed.TotalSeconds, tags);
        _receiptBatchSize.Record(receipts, tags);
    }

    internal void AuditAppended(string tenant, string decision) =>
        _auditRecords.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("decision", decision));

    /// <summary>An append lost to another writer of the same chain (tagged with the partition: tenant and replica).</summary>
    internal void AuditConflict(string tenant, string replica) =>
        _auditConflicts.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("replica", replica));

    /// <summary>One entry's time in one phase of its append (<see cref="PhaseQueued"/>, <see cref="PhaseLingered"/>, <see cref="PhaseSeal"/>, <see cref="PhaseWrite"/>).</summary>
    internal void AuditAppendPhase(string phase, TimeSpan elapsed) =>
        _auditAppendPhase.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("phase", phase));

    internal void AuditBacklogDropped(string tenant) => _auditBacklogDropped.Add(1, new KeyValuePair<string, object?>("tenant", tenant));

    internal void WitnessPush(string tenant, string outcome) =>
        _witnessPushes.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("outcome", outcome));

    internal void CheckpointPublished(string tenant) =>
        _checkpoints.Add(1, new KeyValuePair<string, object?>("tenant", tenant));
}
