namespace Gateway.Oversight.Audit;

/// <summary>
/// Where journal lines live: an append-only sequence per tenant with optimistic concurrency. Two
/// implementations: <see cref="StoreAuditStore"/> (the shared state store, every replica) and
/// <see cref="FileAuditStore"/> (one JSON-lines file per tenant, one process).
/// </summary>
public interface IAuditStore
{
    /// <summary>The current end of the tenant's chain (length and last hash).</summary>
    ValueTask<AuditTip> GetTipAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends <paramref name="line"/> (whose hash is <paramref name="lineHash"/>) durably, only when
    /// the chain holds exactly <paramref name="expectedLength"/> records; false when another writer got
    /// there first.
    /// </summary>
    ValueTask<bool> TryAppendAsync(string tenant, long expectedLength, string line, string lineHash, CancellationToken cancellationToken = default);

    /// <summary>The lines from zero-based <paramref name="start"/> onwards, in order.</summary>
    IAsyncEnumerable<string> ReadAsync(string tenant, long start, CancellationToken cancellationToken = default);
}
