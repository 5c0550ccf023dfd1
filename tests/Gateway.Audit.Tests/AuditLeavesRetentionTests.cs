using Gateway.Audit.Evidence;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.Evidence;
using Gateway.Testing;
using Gateway.Testing.Stores;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Audit.Tests;

/// <summary>
/// The Merkle tree after retention, on the real sinks (the embedded file journal, the embedded store and PostgreSQL): the retired records'
/// leaf hashes are kept, so a replica that never read them still builds the same tree, inclusion proofs of kept records
/// and consistency proofs from a tree size before the retirement verify (RFC 9162, checked with the independent
/// verifier), a replica that read the tree before keeps extending it correctly, and a retired record's proof is refused.
/// </summary>
public sealed class AuditLeavesRetentionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ReceiptKeyRing _keys = ReceiptKeyRing.Generate(DateTimeOffset.UnixEpoch);
    private readonly string _root = Directory.CreateTempSubdirectory("leaves-retention-").FullName;
    private readonly List<FileAuditStore> _sinks = [];

    public void Dispose()
    {
        foreach (var sink in _sinks)
        {
            sink.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Proofs_AfterRetentionOnTheFileJournal_KeepTheTreeWhole()
    {
        var directory = Path.Combine(_root, "journal");
        await AssertProofsSurviveRetentionAsync(() => Sink(directory));
        Assert.Equal(3 * 32, new FileInfo(Assert.Single(Directory.GetFiles(directory, "*" + AuditFileLeaves.Suffix))).Length);
    }

    [Fact]
    public async Task Proofs_AfterRetentionOnTheEmbeddedStore_KeepTheTreeWhole()
    {
        using var store = Gateway.Store.InMemoryStateStore.OpenDurable(Path.Combine(_root, "state"), _time);
        await AssertProofsSurviveRetentionAsync(() => new RetiringStoreAuditStore(store, store));
    }

    [Fact]
    public async Task Proofs_AfterRetentionOnPostgres_KeepTheTreeWhole() =>
        await AssertProofsSurviveRetentionAsync(() => new PostgresAuditStore(postgres.Database));

    [Fact]
    public async Task Proofs_AfterTwoRetentionsOnPostgres_KeepEveryRetiredLeaf()
    {
        var tenant = TestServices.NewTenant();
        var sink = new PostgresAuditStore(postgres.Database);
        var journal = TestServices.Journal(sink, _time);
        await AppendAsync(journal, tenant, 2);
        _time.Advance(TimeSpan.FromDays(10));
        await AppendAsync(journal, tenant, 2);
        _time.Advance(TimeSpan.FromDays(10));
        await AppendAsync(journal, tenant, 1);
        var before = await Proofs(journal, sink).CheckpointAsync(Partition(tenant), null, CancellationToken.None);

        await Retention(journal).RetireAsync(tenant, _time.GetUtcNow().AddDays(-15), Path.Combine(_root, "exports"));
        await Retention(journal).RetireAsync(tenant, _time.GetUtcNow().AddDays(-5), Path.Combine(_root, "exports"));
        var after = await Proofs(journal, new PostgresAuditStore(postgres.Database)).CheckpointAsync(Partition(tenant), 5, CancellationToken.None);

        Assert.Equal(4, (await sink.GetAnchorAsync(Partition(tenant))).Length);
        Assert.Equal(4, (await sink.ReadRetiredLeavesAsync(Partition(tenant))).Count);
        Assert.Equal(before.Claims.RootHash, after.Claims.RootHash);
    }

    [Fact]
    public async Task Proofs_RetiredBeforeLeavesWereKept_AnswerTheTreeIncomplete()
    {
        var directory = Path.Combine(_root, "journal-old");
        var tenant = TestServices.NewTenant();
        var sink = Sink(directory);
        var journal = TestServices.Journal(sink, _time);
        await AppendAsync(journal, tenant, 3);
        await sink.RetireAsync(Partition(tenant), 2);

        // As a journal retired by a version that kept no leaves: the leaves file is not there.
        File.Delete(Assert.Single(Directory.GetFiles(directory, "*" + AuditFileLeaves.Suffix)));

        await Assert.ThrowsAsync<AuditTreeIncompleteException>(async () =>
            await Proofs(journal, Sink(directory)).CheckpointAsync(Partition(tenant), null, CancellationToken.None));
    }

    private async Task AssertProofsSurviveRetentionAsync(Func<IAuditStore> sinks)
    {
        var tenant = TestServices.NewTenant();
        var partition = Partition(tenant);
        var journal = TestServices.Journal(sinks(), _time);
        await AppendAsync(journal, tenant, 3);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await AppendAsync(journal, tenant, 4);
        var early = Proofs(journal, journal.Store);
        var atTwo = await early.CheckpointAsync(partition, 2, CancellationToken.None);
        var atSeven = await early.CheckpointAsync(partition, 7, CancellationToken.None);

        Assert.Equal(3, await Retention(journal).RetireAsync(tenant, cutoff, Path.Combine(_root, "exports")));
        await AppendAsync(journal, tenant, 1);

        // A replica that never read the retired lines (a fresh process on the same sink).
        var fresh = Proofs(journal, sinks());
        var head = await fresh.CheckpointAsync(partition, null, CancellationToken.None);
        Assert.Equal(8, head.Claims.TreeSize);
        Assert.Equal(atSeven.Claims.RootHash, (await fresh.CheckpointAsync(partition, 7, CancellationToken.None)).Claims.RootHash);

        var inclusion = await fresh.InclusionAsync(partition, 5, null, CancellationToken.None);
        var leaf = MerkleTree.LeafHash(System.Text.Encoding.UTF8.GetBytes(inclusion.Line));
        Assert.Equal(5, System.Text.Json.JsonDocument.Parse(inclusion.Line).RootElement.GetProperty("seq").GetInt64());
        Assert.True(MerkleProof.VerifyInclusion(leaf, inclusion.LeafIndex, 8, Hex(inclusion.Path), Convert.FromHexString(head.Claims.RootHash)));

        var consistency = await fresh.ConsistencyAsync(partition, 2, null, CancellationToken.None);
        Assert.True(MerkleProof.VerifyConsistency(2, 8, Convert.FromHexString(atTwo.Claims.RootHash), Convert.FromHexString(head.Claims.RootHash), Hex(consistency.Path)));

        var retired = await Assert.ThrowsAsync<AuditProofException>(async () => await fresh.InclusionAsync(partition, 2, null, CancellationToken.None));
        Assert.Equal("record_retired", retired.Code);

        // The replica that read the tree before the retirement reads on from the right record.
        Assert.Equal(head.Claims.RootHash, (await early.CheckpointAsync(partition, null, CancellationToken.None)).Claims.RootHash);
    }

    private AuditProofs Proofs(AuditJournal journal, IAuditStore sink) => new(journal, new AuditLeaves(sink), _keys, _time);

    private static List<byte[]> Hex(IReadOnlyList<string> path) => [.. path.Select(Convert.FromHexString)];

    private static AuditPartition Partition(string tenant) => new(tenant, TestServices.Replica);

    private static AuditRetention Retention(AuditJournal journal) => new(journal, NullLogger<AuditRetention>.Instance);

    private static async Task AppendAsync(AuditJournal journal, string tenant, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        }
    }

    private FileAuditStore Sink(string directory)
    {
        var sink = TestServices.FileSink(directory);
        _sinks.Add(sink);
        return sink;
    }
}
