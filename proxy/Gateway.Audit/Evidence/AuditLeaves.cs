using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Evidence;

namespace Gateway.Audit.Evidence;

/// <summary>
/// The leaf hashes of each chain partition's Merkle tree, in order: leaf <c>i</c> is SHA-256(0x00 ‖ the line of the
/// record with seq <c>i + 1</c>), the line exactly as the sink stores it (the record's canonical JSON with its
/// <c>hash</c>). They are derived from the sink's lines, which are the log; this replica keeps each partition's hashes
/// it has read in memory and reads only the lines appended since (<see cref="IAuditStore.ReadAsync"/> from the count it
/// holds), so a proof costs one read of what is new plus hashing in memory. Records retired (retention) before this
/// process read them count by the leaf hashes the sink kept when it retired them
/// (<see cref="IAuditRetirement.ReadRetiredLeavesAsync"/>); a partition retired before its sink kept leaves has no
/// complete tree here (<see cref="AuditTreeIncompleteException"/>).
/// </summary>
public sealed class AuditLeaves
{
    private readonly IAuditStore _store;
    private readonly ConcurrentDictionary<AuditPartition, Partition> _partitions = new();

    public AuditLeaves(IAuditStore store) => _store = store;

    /// <summary>Every leaf of the partition's tree as the sink holds it now, and the lines read (by zero-based index) this call.</summary>
    public async ValueTask<IReadOnlyList<byte[]>> ReadAsync(AuditPartition partition, CancellationToken cancellationToken)
    {
        var state = _partitions.GetOrAdd(partition, static _ => new Partition());
        await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A retirement between reading the anchor and the lines shifts the lines' positions: read again (a few times).
            for (var attempt = 0; ; attempt++)
            {
                var anchor = (await _store.GetAnchorAsync(partition, cancellationToken).ConfigureAwait(false)).Length;
                if (state.Leaves.Count < anchor)
                {
                    // Records retired before this replica hashed them: their leaves as the sink kept them at retirement.
                    var retired = _store is IAuditRetirement retirement
                        ? await retirement.ReadRetiredLeavesAsync(partition, cancellationToken).ConfigureAwait(false)
                        : [];
                    if (retired.Count < anchor)
                    {
                        throw new AuditTreeIncompleteException(partition);
                    }

                    state.Leaves.AddRange(retired.Skip(state.Leaves.Count).Take((int)(anchor - state.Leaves.Count)));
                }

                if (await ReadLinesAsync(partition, state.Leaves, state.Leaves.Count - anchor, cancellationToken).ConfigureAwait(false) || attempt == 2)
                {
                    return state.Leaves.ToArray();
                }
            }
        }
        finally
        {
            state.Gate.Release();
        }
    }

    // Appends the leaves of the stored lines from `position` (among the stored, unretired lines) on; false when the first
    // line read is not the record that comes next (a retirement moved the positions since the anchor was read).
    private async ValueTask<bool> ReadLinesAsync(AuditPartition partition, List<byte[]> leaves, long position, CancellationToken cancellationToken)
    {
        var first = true;
        await foreach (var line in _store.ReadAsync(partition, position, cancellationToken).ConfigureAwait(false))
        {
            if (first && SeqOf(line) is { } seq && seq != leaves.Count + 1)
            {
                return false;
            }

            first = false;
            leaves.Add(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(line)));
        }

        return true;
    }

    private static long? SeqOf(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.TryGetProperty("seq", out var seq) && seq.TryGetInt64(out var value) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed class Partition
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public List<byte[]> Leaves { get; } = [];
    }
}

/// <summary>The partition's oldest records were retired before this replica read them: its tree cannot be rebuilt here.</summary>
public sealed class AuditTreeIncompleteException(AuditPartition partition)
    : InvalidOperationException($"The audit chain {partition} starts after retention; its Merkle tree is not complete here.");
