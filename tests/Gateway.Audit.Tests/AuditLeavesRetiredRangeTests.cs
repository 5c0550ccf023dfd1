using System.Collections.Concurrent;
using Gateway.Audit.Evidence;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.Evidence;
using Gateway.Testing.Stores;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Audit.Tests;

/// <summary>
/// The retired leaves a tree reads (<see cref="AuditLeaves"/>, blocks of 4): only the range it needs, never every leaf the
/// sink kept. A tree that lacks them reads those it lacks; a proof inside a retired block reads that block's leaves alone.
/// </summary>
public sealed class AuditLeavesRetiredRangeTests() : FileJournalTestBase("leaves-range-")
{
    [Fact]
    public async Task ReadAsync_ProofIntoARetiredBlock_ReadsOnlyThatBlocksLeaves()
    {
        var partition = await AppendAsync(13);
        Time.Advance(TimeSpan.FromDays(40));
        var cutoff = Time.GetUtcNow();
        await AppendAsync(4, partition.Tenant);
        var leaves = await AllLeavesAsync(partition);
        Assert.Equal(13, await new AuditRetention(Journal, NullLogger<AuditRetention>.Instance).RetireAsync(partition.Tenant, cutoff, Path.Combine(Root, "exports")));
        var counting = new CountingRetirement(Sink);
        var proofs = new AuditProofs(Journal, new AuditLeaves(counting, blockSize: 4), Keys, Time);

        // The first read builds the tree: the 13 retired leaves it lacks, from 0.
        var head = await proofs.CheckpointAsync(partition, null, CancellationToken.None);
        Assert.Equal(Convert.ToHexStringLower(MerkleTree.Root(leaves, 17)), head.Claims.RootHash);
        Assert.Equal(new[] { (0L, 13) }, counting.Ranges);

        // From tree size 6: record 6 is in block 1 (records 5 to 8), all retired: its four leaves, and no other.
        counting.Ranges.Clear();
        var consistency = await proofs.ConsistencyAsync(partition, 6, 17, CancellationToken.None);
        Assert.Equal(MerkleTree.ConsistencyPath(leaves, 6, 17).Select(Convert.ToHexStringLower), consistency.Path);
        Assert.Equal(new[] { (4L, 4) }, counting.Ranges);
        Assert.Equal(0, counting.WholeReads);
    }

    [Fact]
    public async Task ReadRetiredLeavesAsync_ARange_IsThatRangeOfEveryKeptLeaf()
    {
        var partition = await AppendAsync(7);
        Time.Advance(TimeSpan.FromDays(40));
        var cutoff = Time.GetUtcNow();
        await AppendAsync(1, partition.Tenant);
        Assert.Equal(7, await new AuditRetention(Journal, NullLogger<AuditRetention>.Instance).RetireAsync(partition.Tenant, cutoff, Path.Combine(Root, "exports")));
        IAuditRetirement retirement = Sink;
        var all = await retirement.ReadRetiredLeavesAsync(partition);

        foreach (var (from, count) in new[] { (0L, 7), (2L, 3), (5L, 10), (7L, 1), (9L, 2), (0L, 0) })
        {
            var range = await retirement.ReadRetiredLeavesAsync(partition, from, count);
            Assert.Equal(all.Skip((int)from).Take(count).Select(Convert.ToHexStringLower), range.Select(Convert.ToHexStringLower));
        }
    }

    /// <summary>The file sink, noting every read of its retired leaves: the ranges asked for, and reads of them all.</summary>
    private sealed class CountingRetirement(FileAuditStore inner) : DelegatingAuditStore(inner), IAuditRetirement
    {
        private int _wholeReads;

        public ConcurrentQueue<(long From, int Count)> Ranges { get; } = new();

        public int WholeReads => Volatile.Read(ref _wholeReads);

        public ValueTask<IReadOnlyList<string>> ListTenantsAsync(CancellationToken cancellationToken = default) => inner.ListTenantsAsync(cancellationToken);

        public ValueTask<long> RetireAsync(AuditPartition partition, long throughSeq, CancellationToken cancellationToken = default) =>
            inner.RetireAsync(partition, throughSeq, cancellationToken);

        public ValueTask<IReadOnlyList<byte[]>> ReadRetiredLeavesAsync(AuditPartition partition, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _wholeReads);
            return inner.ReadRetiredLeavesAsync(partition, cancellationToken);
        }

        public ValueTask<IReadOnlyList<byte[]>> ReadRetiredLeavesAsync(AuditPartition partition, long from, int count, CancellationToken cancellationToken = default)
        {
            Ranges.Enqueue((from, count));
            return ((IAuditRetirement)inner).ReadRetiredLeavesAsync(partition, from, count, cancellationToken);
        }
    }
}
