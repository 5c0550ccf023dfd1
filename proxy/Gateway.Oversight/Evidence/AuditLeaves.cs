using System.Collections.Concurrent;
using System.Text;
using Gateway.Oversight.Audit;
using Gateway.Policy.Evidence;

namespace Gateway.Oversight.Evidence;

/// <summary>
/// The leaf hashes of each chain partition's Merkle tree, in order: leaf <c>i</c> is SHA-256(0x00 ‖ the line of the
/// record with seq <c>i + 1</c>), the line exactly as the sink stores it (the record's canonical JSON with its
/// <c>hash</c>). They are derived from the sink's lines, which are the log; this replica keeps each partition's hashes
/// it has read in memory and reads only the lines appended since (<see cref="IAuditStore.ReadAsync"/> from the count it
/// holds), so a proof costs one read of what is new plus hashing in memory. A partition whose oldest records were
/// retired before this process read them has no complete tree here (<see cref="AuditTreeIncompleteException"/>).
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
            if (state.Leaves.Count == 0 && (await _store.GetAnchorAsync(partition, cancellationToken).ConfigureAwait(false)).Length > 0)
            {
                throw new AuditTreeIncompleteException(partition);
            }

            await foreach (var line in _store.ReadAsync(partition, state.Leaves.Count, cancellationToken).ConfigureAwait(false))
            {
                state.Leaves.Add(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(line)));
            }

            return state.Leaves.ToArray();
        }
        finally
        {
            state.Gate.Release();
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
