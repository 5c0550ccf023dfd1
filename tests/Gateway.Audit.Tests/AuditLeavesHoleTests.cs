using System.Text;
using Gateway.Audit.Evidence;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.Evidence;
using Gateway.Testing;

namespace Gateway.Audit.Tests;

/// <summary>
/// A file journal with a hole in the middle of a chain (the line of record 5 of 7 removed): the Merkle tree never hashes
/// the lines by position past it, so no proof is given for a record in the wrong place. A replica that reads the chain
/// after the hole was made (a restart) stops its tree before the hole and refuses every proof and checkpoint past it
/// (<c>audit_chain_broken</c>) while proving the records before it; a replica that hashed the chain before the hole was
/// made refuses the proof of record 6, whose place now holds record 7's line.
/// </summary>
public sealed class AuditLeavesHoleTests : IDisposable
{
    private const int Records = 7;

    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ReceiptKeyRing _keys = ReceiptKeyRing.Generate(DateTimeOffset.UnixEpoch);
    private readonly string _root = Directory.CreateTempSubdirectory("leaves-hole-").FullName;
    private readonly List<FileAuditStore> _sinks = [];
    private readonly string _tenant = TestServices.NewTenant();

    public void Dispose()
    {
        foreach (var sink in _sinks)
        {
            sink.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }

    private AuditPartition Partition => new(_tenant, TestServices.Replica);

    [Fact]
    public async Task Inclusion_AfterARestartOverAHoleInTheMiddle_RefusesPastTheHoleAndProvesBeforeIt()
    {
        var sink = await WriteAsync();
        await RemoveSeqFiveAsync(sink);
        sink.Dispose();
        var restarted = Sink();
        var proofs = Proofs(restarted);

        var past = await Assert.ThrowsAsync<AuditProofException>(async () => await proofs.InclusionAsync(Partition, 6, null, CancellationToken.None));
        var head = await Assert.ThrowsAsync<AuditProofException>(async () => await proofs.CheckpointAsync(Partition, null, CancellationToken.None));
        var before = await proofs.InclusionAsync(Partition, 3, null, CancellationToken.None);

        Assert.Equal(AuditProofs.ChainBroken, past.Code);
        Assert.Contains("is record 6, not 5", past.Message, StringComparison.Ordinal);
        Assert.Equal(AuditProofs.ChainBroken, head.Code);
        Assert.Equal(4, before.Checkpoint.Claims.TreeSize);
        Assert.Contains("\"seq\":3,", before.Line, StringComparison.Ordinal);
        var leaf = MerkleTree.LeafHash(Encoding.UTF8.GetBytes(before.Line));
        Assert.True(MerkleProof.VerifyInclusion(leaf, 2, 4, [.. before.Path.Select(Convert.FromHexString)], Convert.FromHexString(before.Checkpoint.Claims.RootHash)));
    }

    [Fact]
    public async Task Inclusion_HoleMadeUnderAReplicaThatHashedTheChain_RefusesTheLineOfAnotherRecord()
    {
        var sink = await WriteAsync();
        var proofs = Proofs(sink);
        Assert.Equal(Records, (await proofs.CheckpointAsync(Partition, null, CancellationToken.None)).Claims.TreeSize);
        await RemoveSeqFiveAsync(sink);

        var refused = await Assert.ThrowsAsync<AuditProofException>(async () => await proofs.InclusionAsync(Partition, 6, null, CancellationToken.None));

        Assert.Equal(AuditProofs.ChainBroken, refused.Code);
        Assert.Contains("is record 7", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoint_AfterARestartOverALineEditedWithoutItsHash_RefusesPastTheEditAndProvesBeforeIt()
    {
        var sink = await WriteAsync();

        // Record 3's status_code rewritten in the file, its hash left as it was: `audit verify` says hash_mismatch there.
        var path = sink.PathOf(Partition);
        var lines = await File.ReadAllLinesAsync(path);
        var index = Array.FindIndex(lines, static l => l.Contains("\"seq\":3,", StringComparison.Ordinal));
        lines[index] = lines[index].Replace("\"status_code\":200", "\"status_code\":500", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(path, lines);
        sink.Dispose();
        var proofs = Proofs(Sink());

        var head = await Assert.ThrowsAsync<AuditProofException>(async () => await proofs.CheckpointAsync(Partition, null, CancellationToken.None));
        var edited = await Assert.ThrowsAsync<AuditProofException>(async () => await proofs.InclusionAsync(Partition, 3, null, CancellationToken.None));
        var before = await proofs.InclusionAsync(Partition, 2, null, CancellationToken.None);

        Assert.Equal(AuditProofs.ChainBroken, head.Code);
        Assert.Contains("does not hash to its hash", head.Message, StringComparison.Ordinal);
        Assert.Equal(AuditProofs.ChainBroken, edited.Code);
        Assert.Equal(2, before.Checkpoint.Claims.TreeSize);
    }

    private AuditProofs Proofs(FileAuditStore sink) => new(TestServices.Journal(sink, _time), new AuditLeaves(sink), _keys, _time);

    private async Task<FileAuditStore> WriteAsync()
    {
        var sink = Sink();
        var journal = TestServices.Journal(sink, _time);
        for (var i = 0; i < Records; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        }

        return sink;
    }

    // Removes record 5's line from the chain's file.
    private async Task RemoveSeqFiveAsync(FileAuditStore sink)
    {
        var path = sink.PathOf(Partition);
        var lines = await File.ReadAllLinesAsync(path);
        await File.WriteAllLinesAsync(path, lines.Where(static l => !l.Contains("\"seq\":5,", StringComparison.Ordinal)));
    }

    private FileAuditStore Sink()
    {
        var sink = TestServices.FileSink(_root);
        _sinks.Add(sink);
        return sink;
    }
}
