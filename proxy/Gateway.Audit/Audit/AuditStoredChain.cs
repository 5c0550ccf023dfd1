namespace Gateway.Audit;

/// <summary>
/// One chain's stored records from a seq on, read with the anchor they follow: the anchor, then the records, and when the
/// first record read is not the one that anchor puts there and the anchor has moved since (a retirement in between), both
/// again, up to <see cref="MaxAttempts"/> times. Every reader of anchor and records together (verify, export, receipts,
/// Merkle leaves) reads through it, so that a retention run beside it is never read as a gap in the chain.
/// </summary>
internal sealed class AuditStoredChain : IAsyncDisposable
{
    /// <summary>The most times the anchor and the first record are read while retirements move the anchor.</summary>
    public const int MaxAttempts = 3;

    private readonly IAsyncEnumerator<string> _lines;
    private bool _firstRead;

    private AuditStoredChain(AuditTip anchor, IAsyncEnumerator<string> lines, bool firstRead, bool aligned)
    {
        Anchor = anchor;
        _lines = lines;
        _firstRead = firstRead;
        Aligned = aligned;
    }

    /// <summary>The anchor the records follow (<see cref="AuditTip.Genesis"/> before any retirement).</summary>
    public AuditTip Anchor { get; }

    /// <summary>Whether the first record carries the seq the anchor puts there (true when there is none); false only for a damaged chain.</summary>
    public bool Aligned { get; }

    /// <summary>
    /// The chain of <paramref name="partition"/> from record <paramref name="fromSeq"/> (1-based; from the first stored
    /// record when that one was retired), its anchor read with it.
    /// </summary>
    public static async ValueTask<AuditStoredChain> OpenAsync(IAuditStore store, AuditPartition partition, long fromSeq, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(fromSeq, 1);
        for (var attempt = 1; ; attempt++)
        {
            var anchor = await store.GetAnchorAsync(partition, cancellationToken).ConfigureAwait(false);
            var lines = store.ReadAsync(partition, Math.Max(0, fromSeq - 1 - anchor.Length), cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                var firstRead = await lines.MoveNextAsync().ConfigureAwait(false);
                var aligned = !firstRead || AuditStoredLine.Seq(lines.Current) == Math.Max(fromSeq, anchor.Length + 1);
                if ((aligned && firstRead) || attempt == MaxAttempts
                    || (await store.GetAnchorAsync(partition, cancellationToken).ConfigureAwait(false)).Length == anchor.Length)
                {
                    var chain = new AuditStoredChain(anchor, lines, firstRead, aligned);
                    lines = null;
                    return chain;
                }
            }
            finally
            {
                if (lines is not null)
                {
                    await lines.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>The records in order, as stored (enumerate once).</summary>
    public async IAsyncEnumerable<string> ReadAsync()
    {
        if (!_firstRead)
        {
            yield break;
        }

        _firstRead = false;
        yield return _lines.Current;
        while (await _lines.MoveNextAsync().ConfigureAwait(false))
        {
            yield return _lines.Current;
        }
    }

    public ValueTask DisposeAsync() => _lines.DisposeAsync();
}
