namespace Gateway.Audit;

/// <summary>
/// One chain's stored records from a seq on, read with the anchor they follow: the anchor, then the records, and when the
/// first record read is not the one that anchor puts there and the anchor has moved since (a retirement in between), both
/// again, up to <see cref="MaxAttempts"/> times. Once the records are read, the last must be the first's seq plus their
/// count less one: when not, and the anchor has moved since, a retirement took records from under the read and
/// <see cref="AuditChainMovedException"/> says so. Every reader of anchor and records together (verify, export, receipts,
/// Merkle leaves) reads through it, so that a retention run beside it is never read as a gap in the chain.
/// </summary>
internal sealed class AuditStoredChain : IAsyncDisposable
{
    /// <summary>The most times the anchor and the first record are read while retirements move the anchor.</summary>
    public const int MaxAttempts = 3;

    private readonly IAuditStore _store;
    private readonly AuditPartition _partition;
    private readonly IAsyncEnumerator<string> _lines;
    private readonly long? _firstSeq;
    private readonly CancellationToken _cancellationToken;
    private bool _firstRead;
    private string? _last;
    private long _read;

    private AuditStoredChain(IAuditStore store, AuditPartition partition, AuditTip anchor, IAsyncEnumerator<string> lines, long? firstSeq, bool aligned, CancellationToken cancellationToken)
    {
        _store = store;
        _partition = partition;
        _cancellationToken = cancellationToken;
        Anchor = anchor;
        _lines = lines;
        _firstSeq = firstSeq;
        _firstRead = firstSeq is not null;
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
                var firstSeq = firstRead ? AuditStoredLine.Seq(lines.Current) ?? 0 : (long?)null;
                var aligned = !firstRead || firstSeq == Math.Max(fromSeq, anchor.Length + 1);
                if ((aligned && firstRead) || attempt == MaxAttempts
                    || (await store.GetAnchorAsync(partition, cancellationToken).ConfigureAwait(false)).Length == anchor.Length)
                {
                    var chain = new AuditStoredChain(store, partition, anchor, lines, firstSeq, aligned, cancellationToken);
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

    /// <summary>
    /// The records in order, as stored (enumerate once); throws <see cref="AuditChainMovedException"/> after the last when a
    /// retirement took records from under the read. A reader that stops before the last calls <see cref="StopAsync"/>.
    /// </summary>
    public async IAsyncEnumerable<string> ReadAsync()
    {
        if (!_firstRead)
        {
            yield break;
        }

        _firstRead = false;
        _last = _lines.Current;
        _read = 1;
        yield return _last;
        while (await _lines.MoveNextAsync().ConfigureAwait(false))
        {
            _last = _lines.Current;
            _read++;
            yield return _last;
        }

        await ThrowIfSkippedAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// For a reader that stops before the last record (past a seq, a time): the check <see cref="ReadAsync"/> makes after
    /// the last, over the records read so far, the one it stops at included.
    /// </summary>
    public ValueTask StopAsync() => ThrowIfSkippedAsync();

    // Seqs only rise along a chain: a last one past first + read - 1 means records were skipped. Moved by a retirement, the
    // read is no longer the chain; without one, the chain itself has the gap and its reader names it.
    private async ValueTask ThrowIfSkippedAsync()
    {
        if (_firstSeq > 0 && _last is not null && AuditStoredLine.Seq(_last) is { } lastSeq && lastSeq != _firstSeq + _read - 1
            && await MovedAsync().ConfigureAwait(false))
        {
            throw new AuditChainMovedException(_partition);
        }
    }

    /// <summary>Whether a retirement has moved the chain's anchor since <see cref="Anchor"/> was read.</summary>
    public async ValueTask<bool> MovedAsync() =>
        (await _store.GetAnchorAsync(_partition, _cancellationToken).ConfigureAwait(false)).Length != Anchor.Length;

    public ValueTask DisposeAsync() => _lines.DisposeAsync();
}

/// <summary>A retirement took records of the chain from under a read of it: the read is not the chain, ask again.</summary>
public sealed class AuditChainMovedException(AuditPartition partition)
    : InvalidOperationException($"A retirement moved the audit chain {partition} while it was read: ask again.");
