using Gateway.Audit;

namespace Gateway.Testing.Stores;

/// <summary>
/// A sink that hands every call to <paramref name="inner"/>, its anchor included: a test's sink overrides only what it holds,
/// counts or breaks, and reads the chain exactly as the sink under it keeps it. It does not claim to keep append order
/// (so a chain sends one group at a time, the one a test holds) unless the test's sink says so.
/// </summary>
public abstract class DelegatingAuditStore(IAuditStore inner) : IAuditStore
{
    /// <summary>The sink every call is handed to.</summary>
    protected IAuditStore Inner { get; } = inner;

    public virtual bool KeepsAppendOrder => false;

    public bool ChainsAppendSideBySide => Inner.ChainsAppendSideBySide;

    public bool StoresReceiptsApart => Inner.StoresReceiptsApart;

    public bool DropsUnreferencedExplanations => Inner.DropsUnreferencedExplanations;

    public virtual ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default) =>
        Inner.GetTipAsync(partition, cancellationToken);

    public virtual ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default) =>
        Inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);

    public ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default) =>
        Inner.ReadReceiptBatchesAsync(partition, fromSeq, toSeq, cancellationToken);

    public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) =>
        Inner.GetExplanationAsync(tenant, digest, cancellationToken);

    public virtual IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, CancellationToken cancellationToken = default) =>
        Inner.ReadAsync(partition, start, cancellationToken);

    public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) =>
        Inner.ListReplicasAsync(tenant, cancellationToken);

    public virtual ValueTask<AuditTip> GetAnchorAsync(AuditPartition partition, CancellationToken cancellationToken = default) =>
        Inner.GetAnchorAsync(partition, cancellationToken);

    public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => Inner.ProbeAsync(cancellationToken);
}
