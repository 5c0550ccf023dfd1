using System.Collections.Concurrent;
using Gateway.Store;

namespace Gateway.Audit;

/// <summary>
/// The leaves logs of <see cref="RetiringStoreAuditStore"/> (each entry the hex of one or more leaves, their number set by
/// the retirement that appended it): where each entry starts, in leaves, learned once and extended by the entries
/// appended since (the logs only grow), so that the count is read without reading the log again and a range of leaves
/// reads only the entries it lies in. A few bytes per entry of up to <see cref="RetiringStoreAuditStore.LeavesPerEntry"/> leaves.
/// </summary>
internal sealed class RetiredLeavesLog(IStateStore store)
{
    /// <summary>The characters of one leaf in an entry (its hex).</summary>
    public const int LeafHexLength = 64;

    private readonly ConcurrentDictionary<string, Entries> _logs = new(StringComparer.Ordinal);

    /// <summary>How many leaves the log <paramref name="key"/> holds.</summary>
    public async ValueTask<long> CountAsync(string key, CancellationToken cancellationToken)
    {
        var entries = _logs.GetOrAdd(key, static _ => new Entries());
        await entries.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LearnAsync(key, entries, cancellationToken).ConfigureAwait(false);
            return entries.Leaves;
        }
        finally
        {
            entries.Gate.Release();
        }
    }

    /// <summary>Leaves <paramref name="from"/>..<paramref name="from"/> + <paramref name="count"/> - 1 of the log (fewer where it ends), read from the entries they lie in.</summary>
    public async ValueTask<IReadOnlyList<byte[]>> ReadAsync(string key, long from, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var entries = _logs.GetOrAdd(key, static _ => new Entries());
        long entry, last, first;
        await entries.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LearnAsync(key, entries, cancellationToken).ConfigureAwait(false);
            if (count == 0 || from >= entries.Leaves)
            {
                return [];
            }

            // The last entry that starts at or before `from`.
            var at = entries.Starts.BinarySearch(from);
            entry = at >= 0 ? at : ~at - 1;
            first = entries.Starts[(int)entry];

            // The last entry the range reaches into: nothing past it is read.
            var end = entries.Starts.BinarySearch(from + count - 1);
            last = end >= 0 ? end : ~end - 1;
        }
        finally
        {
            entries.Gate.Release();
        }

        var leaves = new List<byte[]>(count);
        var index = first;
        for (var position = entry; position <= last && leaves.Count < count;)
        {
            var page = await store.ReadLogAsync(key, position, (int)Math.Min(StoreAuditStore.PageSize, last - position + 1), cancellationToken).ConfigureAwait(false);
            foreach (var hex in page)
            {
                for (var at = 0; at + LeafHexLength <= hex.Length && leaves.Count < count; at += LeafHexLength, index++)
                {
                    if (index >= from)
                    {
                        leaves.Add(Convert.FromHexString(hex.AsSpan(at, LeafHexLength)));
                    }
                }
            }

            if (page.Count == 0)
            {
                break;
            }

            position += page.Count;
        }

        return leaves;
    }

    // Under the log's gate: learns the entries appended since (all of them the first time, or after the log shrank: a store
    // emptied under it).
    private async ValueTask LearnAsync(string key, Entries entries, CancellationToken cancellationToken)
    {
        var length = await store.LogLengthAsync(key, cancellationToken).ConfigureAwait(false);
        if (length < entries.Starts.Count)
        {
            entries.Starts.Clear();
            entries.Leaves = 0;
        }

        if (length == entries.Starts.Count)
        {
            return;
        }

        await foreach (var hex in StoreAuditStore.ReadLogAsync(store, key, entries.Starts.Count, cancellationToken).ConfigureAwait(false))
        {
            entries.Starts.Add(entries.Leaves);
            entries.Leaves += hex.Length / LeafHexLength;
        }
    }

    private sealed class Entries
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>The index of each entry's first leaf, in entry order.</summary>
        public List<long> Starts { get; } = [];

        public long Leaves { get; set; }
    }
}
