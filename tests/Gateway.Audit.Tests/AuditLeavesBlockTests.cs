using System.Text;
using Gateway.Audit.Evidence;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.Evidence;
using Gateway.Audit.Options;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Audit.Tests;

/// <summary>
/// The audit tree kept as block heads plus the last block's leaves (<see cref="AuditLeaves"/> with blocks of 4 here, so a
/// few dozen records cross many blocks), on the embedded file journal: every checkpoint, inclusion proof and consistency
/// proof equals what the whole list of leaves gives (RFC 6962, and checked with the independent verifier), including
/// after retention, and a proof that opens a block whose stored lines no longer hash to the head it kept is refused.
/// </summary>
public sealed class AuditLeavesBlockTests() : FileJournalTestBase("leaves-blocks-")
{
    private const int Records = 37;

    [Fact]
    public async Task Proofs_OfEverySizeAcrossBlocks_EqualTheProofsOfTheWholeLeafList()
    {
        var partition = await AppendAsync(Records);
        var leaves = await AllLeavesAsync(partition);
        var proofs = Proofs(new AuditLeaves(Sink, blockSize: 4));

        for (var size = 0L; size <= Records; size++)
        {
            var checkpoint = await proofs.CheckpointAsync(partition, size, CancellationToken.None);
            Assert.Equal(Convert.ToHexStringLower(MerkleTree.Root(leaves, size)), checkpoint.Claims.RootHash);
            for (var seq = 1L; seq <= size; seq++)
            {
                var inclusion = await proofs.InclusionAsync(partition, seq, size, CancellationToken.None);
                var expected = MerkleTree.InclusionPath(leaves, seq - 1, size);
                Assert.Equal(expected.Select(Convert.ToHexStringLower), inclusion.Path);
                Assert.True(MerkleProof.VerifyInclusion(leaves[(int)(seq - 1)], seq - 1, size, Hex(inclusion.Path), MerkleTree.Root(leaves, size)), $"{seq} in {size}");
            }

            for (var first = 0L; first <= size; first++)
            {
                var consistency = await proofs.ConsistencyAsync(partition, first, size, CancellationToken.None);
                Assert.Equal(MerkleTree.ConsistencyPath(leaves, first, size).Select(Convert.ToHexStringLower), consistency.Path);
            }
        }
    }

    [Fact]
    public async Task Checkpoint_AfterMoreAppends_ReadsOnFromTheBlockHeadsItKept()
    {
        var partition = await AppendAsync(9);
        var leaves = new AuditLeaves(Sink, blockSize: 4);
        Assert.Equal(9, (await Proofs(leaves).CheckpointAsync(partition, null, CancellationToken.None)).Claims.TreeSize);

        await AppendAsync(14, partition.Tenant);
        var head = await Proofs(leaves).CheckpointAsync(partition, null, CancellationToken.None);

        Assert.Equal(23, head.Claims.TreeSize);
        Assert.Equal(Convert.ToHexStringLower(MerkleTree.Root(await AllLeavesAsync(partition), 23)), head.Claims.RootHash);
    }

    [Fact]
    public async Task Inclusion_IntoABlockWhoseLinesChangedAfterItWasRead_IsRefused()
    {
        var partition = await AppendAsync(10);
        var proofs = Proofs(new AuditLeaves(Sink, blockSize: 4));
        var head = await proofs.CheckpointAsync(partition, null, CancellationToken.None);

        // Record 2's line rewritten in the journal after this replica hashed its block (records 1 to 4).
        var path = Sink.PathOf(partition);
        var lines = await File.ReadAllLinesAsync(path);
        var index = Array.FindIndex(lines, static l => l.Contains("\"seq\":2,", StringComparison.Ordinal));
        lines[index] = lines[index].Replace("\"agent-1\"", "\"agent-X\"", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(path, lines);

        var refused = await Assert.ThrowsAsync<AuditProofException>(async () => await proofs.InclusionAsync(partition, 3, null, CancellationToken.None));
        Assert.Equal("record_not_found", refused.Code);

        // The last, incomplete block is still proved from the leaves held in memory.
        var inclusion = await proofs.InclusionAsync(partition, 10, null, CancellationToken.None);
        Assert.True(MerkleProof.VerifyInclusion(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(inclusion.Line)), 9, 10, Hex(inclusion.Path), Convert.FromHexString(head.Claims.RootHash)));
    }

    [Fact]
    public async Task Proofs_AfterRetentionInsideABlock_OpenTheBlockFromTheRetiredLeaves()
    {
        var partition = await AppendAsync(6);
        Time.Advance(TimeSpan.FromDays(40));
        var cutoff = Time.GetUtcNow();
        await AppendAsync(7, partition.Tenant);
        var leaves = await AllLeavesAsync(partition);

        // Records 1 to 6 retired: block 2 (records 5 to 8) is half retired, half stored.
        Assert.Equal(6, await new AuditRetention(Journal, NullLogger<AuditRetention>.Instance).RetireAsync(partition.Tenant, cutoff, Path.Combine(Root, "exports")));
        var proofs = Proofs(new AuditLeaves(Sink, blockSize: 4));

        var inclusion = await proofs.InclusionAsync(partition, 7, 11, CancellationToken.None);
        Assert.Equal(MerkleTree.InclusionPath(leaves, 6, 11).Select(Convert.ToHexStringLower), inclusion.Path);
        var consistency = await proofs.ConsistencyAsync(partition, 6, 13, CancellationToken.None);
        Assert.Equal(MerkleTree.ConsistencyPath(leaves, 6, 13).Select(Convert.ToHexStringLower), consistency.Path);
    }

    [Fact]
    public async Task Checkpoint_OfRecordsItsJournalAppended_TakesTheirLeavesWithoutReadingTheLinesBack()
    {
        var leaves = new AuditLeaves(Sink, blockSize: 4);
        var journal = new AuditJournal(Sink, [], Time, TestServices.Metrics, MsOptions.Create(new AuditOptions { ReplicaId = TestServices.Replica, ChainsPerReplica = 1 }),
            MsOptions.Create(new EvidenceOptions()), TestServices.ReceiptKeys, NullLogger<AuditJournal>.Instance, leaves);
        var tenant = TestServices.NewTenant();
        for (var i = 0; i < 10; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        }

        var partition = new AuditPartition(tenant, TestServices.Replica);
        var written = MerkleTree.Root(await AllLeavesAsync(partition), 10);

        // Every stored line rewritten after the appends: a tree read back from the sink would have another head.
        var path = Sink.PathOf(partition);
        await File.WriteAllLinesAsync(path, [.. (await File.ReadAllLinesAsync(path)).Select(static l => l.Replace("\"agent-1\"", "\"agent-X\"", StringComparison.Ordinal))]);
        var head = await new AuditProofs(journal, leaves, Keys, Time).CheckpointAsync(partition, null, CancellationToken.None);

        Assert.Equal(10, head.Claims.TreeSize);
        Assert.Equal(Convert.ToHexStringLower(written), head.Claims.RootHash);
        Assert.NotEqual(Convert.ToHexStringLower(written), Convert.ToHexStringLower(MerkleTree.Root(await AllLeavesAsync(partition), 10)));
    }

    [Fact]
    public async Task Appended_NotTheNextLeaves_IsLeftForTheNextReadOfTheSink()
    {
        var partition = await AppendAsync(6);
        var leaves = new AuditLeaves(Sink, blockSize: 4);

        // Told of records 7 and 8 while it holds none: a gap, so nothing is taken (these hashes are not the chain's).
        leaves.Appended(partition, 7, [Convert.ToHexStringLower(new byte[32]), Convert.ToHexStringLower(new byte[32])]);
        var head = await Proofs(leaves).CheckpointAsync(partition, null, CancellationToken.None);

        Assert.Equal(6, head.Claims.TreeSize);
        Assert.Equal(Convert.ToHexStringLower(MerkleTree.Root(await AllLeavesAsync(partition), 6)), head.Claims.RootHash);
    }

    [Fact]
    public async Task Appended_WhileAReadHoldsTheTree_IsTakenOnceItIsReleased()
    {
        var (leaves, journal, tenant) = JournalWithLeaves();
        var partition = new AuditPartition(tenant, TestServices.Replica);
        await AppendAsync(journal, tenant, 3);

        // A read (a checkpoint, a proof) holds the tree while five more records are appended: their leaves wait for it.
        var state = leaves.State(partition);
        await state.Gate.WaitAsync();
        await AppendAsync(journal, tenant, 5);
        state.Gate.Release();
        var written = MerkleTree.Root(await AllLeavesAsync(partition), 8);

        await RewriteLinesAsync(partition);
        var head = await new AuditProofs(journal, leaves, Keys, Time).CheckpointAsync(partition, null, CancellationToken.None);

        Assert.Equal(8, head.Claims.TreeSize);
        Assert.Equal(Convert.ToHexStringLower(written), head.Claims.RootHash);
    }

    [Fact]
    public async Task Appended_PastAGap_ReadsTheGapAtOnceNotAtTheNextCheckpoint()
    {
        var (leaves, journal, tenant) = JournalWithLeaves();
        var partition = new AuditPartition(tenant, TestServices.Replica);
        await AppendAsync(journal, tenant, 2);

        // Three records the tree is not told of (another journal of the same chain), then one it is: a gap of three.
        await AppendAsync(Journal, tenant, 3);
        await AppendAsync(journal, tenant, 1);
        await leaves.CatchingUp(partition);
        var written = MerkleTree.Root(await AllLeavesAsync(partition), 6);

        // Read before the lines were rewritten: the checkpoint has nothing left to read.
        await RewriteLinesAsync(partition);
        var head = await new AuditProofs(journal, leaves, Keys, Time).CheckpointAsync(partition, null, CancellationToken.None);

        Assert.Equal(6, head.Claims.TreeSize);
        Assert.Equal(Convert.ToHexStringLower(written), head.Claims.RootHash);
    }

    private (AuditLeaves Leaves, AuditJournal Journal, string Tenant) JournalWithLeaves()
    {
        var leaves = new AuditLeaves(Sink, blockSize: 4);
        var journal = new AuditJournal(Sink, [], Time, TestServices.Metrics, MsOptions.Create(new AuditOptions { ReplicaId = TestServices.Replica, ChainsPerReplica = 1 }),
            MsOptions.Create(new EvidenceOptions()), TestServices.ReceiptKeys, NullLogger<AuditJournal>.Instance, leaves);
        return (leaves, journal, TestServices.NewTenant());
    }

    private static async Task AppendAsync(AuditJournal journal, string tenant, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        }
    }

    // Every stored line changed: a tree that read them back now would have another head.
    private async Task RewriteLinesAsync(AuditPartition partition)
    {
        var path = Sink.PathOf(partition);
        await File.WriteAllLinesAsync(path, [.. (await File.ReadAllLinesAsync(path)).Select(static l => l.Replace("\"agent-1\"", "\"agent-X\"", StringComparison.Ordinal))]);
    }

    [Fact]
    public void Constructor_BlockSizeNotAPowerOfTwo_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuditLeaves(Sink, blockSize: 6));

    private AuditProofs Proofs(AuditLeaves leaves) => new(Journal, leaves, Keys, Time);

    private static List<byte[]> Hex(IReadOnlyList<string> path) => [.. path.Select(Convert.FromHexString)];
}
