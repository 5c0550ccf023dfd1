namespace Gateway.Audit.Tests.Infrastructure;

/// <summary>A sink with a retirement run right after its first anchor read, before anything else is read: a retention run beside a reader.</summary>
internal sealed class RetiredAfterTheFirstAnchorRead(IAuditStore inner, Func<ValueTask<long>> retire) : IAuditStore
{
    private bool _done;

    /// <summary>How many records the retirement retired.</summary>
    public long Retired { get; private set; }

    public bool KeepsAppendOrder => inner.KeepsAppendOrder;

    public async ValueTask<AuditTip> GetAnchorAsync(AuditPartition partition, CancellationToken cancellationToken = default)
    {
        var anchor = await inner.GetAnchorAsync(partition, cancellationToken);
        if (!_done)
        {
            _done = true;
            Retired = await retire();
        }

        return anchor;
    }

    public ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default) => inner.GetTipAsync(partition, cancellationToken);

    public ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default) =>
        inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);

    public ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default) =>
        inner.ReadReceiptBatchesAsync(partition, fromSeq, toSeq, cancellationToken);

    public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) => inner.GetExplanationAsync(tenant, digest, cancellationToken);

    public IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, CancellationToken cancellationToken = default) => inner.ReadAsync(partition, start, cancellationToken);

    public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) => inner.ListReplicasAsync(tenant, cancellationToken);

    public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => inner.ProbeAsync(cancellationToken);
}
