using Gateway.Audit.Options;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Cli;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static Gateway.Audit.Tests.Infrastructure.RetentionSteps;

namespace Gateway.Audit.Tests;

/// <summary>
/// Retention by age on the state-store sink over the embedded store, with its real journal and log files: export first,
/// then the chain's log retired through the anchor, which a restart keeps and the chain goes on from.
/// </summary>
public sealed class AuditRetentionStoreTests : IDisposable
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly string _tenant = TestServices.NewTenant();
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("store-retention-");
    private InMemoryStateStore _store;

    public AuditRetentionStoreTests()
    {
        _store = Open();
    }

    private string ExportDirectory => Path.Combine(_root.FullName, "exports");

    public void Dispose()
    {
        _store.Dispose();
        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task RetireAsync_OldRecords_ExportedThenRetiredAndTheChainGoesOnFromTheAnchorAfterARestart()
    {
        var journal = TestServices.Journal(new RetiringStoreAuditStore(_store, _store), _time);
        await AppendAsync(journal, _tenant, 3);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        var kept = await AppendAsync(journal, _tenant, 2);

        Assert.Equal(3, await Retention(journal).RetireAsync(_tenant, cutoff, ExportDirectory));

        await AssertIntactAsync(journal, _tenant, 2);
        var exported = await File.ReadAllLinesAsync(Assert.Single(Directory.GetFiles(Path.Combine(ExportDirectory, _tenant))));
        Assert.Equal(3, exported.Length);
        Assert.True(AuditExportVerifier.Verify(new StringReader(string.Join('\n', exported))).Intact);
        var retiredHash = System.Text.Json.JsonDocument.Parse(exported[^1]).RootElement.GetProperty("hash").GetString()!;

        // A restart: the store reopened from its journal and files, a new sink and journal on it.
        _store.Dispose();
        _store = Open();
        var sink = new RetiringStoreAuditStore(_store, _store);
        var restarted = TestServices.Journal(sink, _time);
        Assert.Equal(new AuditTip(3, retiredHash), await sink.GetAnchorAsync(Partition(_tenant)));
        Assert.Equal(3, (await sink.ReadRetiredLeavesAsync(Partition(_tenant))).Count);
        var next = await restarted.AppendAsync(Entry(_tenant));
        Assert.Equal(6, next.Seq);
        Assert.Equal(kept[^1].Hash, next.PrevHash);
        await AssertIntactAsync(restarted, _tenant, 3);

        // A second retirement keeps every retired record's leaf, once.
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(3, await Retention(restarted).RetireAsync(_tenant, _time.GetUtcNow(), ExportDirectory));
        Assert.Equal(new AuditTip(6, next.Hash!), await sink.GetAnchorAsync(Partition(_tenant)));
        Assert.Equal(6, (await sink.ReadRetiredLeavesAsync(Partition(_tenant))).Count);
        Assert.Equal(7, (await restarted.AppendAsync(Entry(_tenant))).Seq);
        await AssertIntactAsync(restarted, _tenant, 1);
    }

    [Fact]
    public async Task RetentionJob_MaxAge_RetiresEveryTenantsOldRecordsAndNoneOfTheNewOnes()
    {
        var other = TestServices.NewTenant();
        var journal = TestServices.Journal(new RetiringStoreAuditStore(_store, _store), _time);
        await AppendAsync(journal, _tenant, 2);
        await AppendAsync(journal, other, 1);
        _time.Advance(TimeSpan.FromDays(10));
        await AppendAsync(journal, other, 2);

        var job = new AuditRetentionJob(
            Retention(journal),
            journal,
            Microsoft.Extensions.Options.Options.Create(new AuditOptions
            {
                Sink = AuditOptions.StoreSink,
                Retention = new AuditRetentionOptions { MaxAge = TimeSpan.FromDays(5), ExportDirectory = ExportDirectory },
            }),
            _time,
            NullLogger<AuditRetentionJob>.Instance);

        Assert.Equal(3, await job.RunOnceAsync(CancellationToken.None));

        await AssertIntactAsync(journal, _tenant, 0);
        await AssertIntactAsync(journal, other, 2);
        Assert.Equal(1, (await journal.Store.GetAnchorAsync(Partition(other))).Length);
        Assert.Equal(3, (await journal.AppendAsync(Entry(_tenant))).Seq);
    }

    [Fact]
    public async Task RetireAsync_PastTheChainsEnd_RetiresNothing()
    {
        var sink = new RetiringStoreAuditStore(_store, _store);
        await AppendAsync(TestServices.Journal(sink, _time), _tenant, 3);
        var log = StoreKeys.AuditLog(_tenant, TestServices.Replica);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await sink.RetireAsync(Partition(_tenant), 4));

        Assert.Equal(default, await _store.LogStartAsync(log));
        Assert.Empty(await sink.ReadRetiredLeavesAsync(Partition(_tenant)));
        await AssertIntactAsync(TestServices.Journal(sink, _time), _tenant, 3);
    }

    private static AuditPartition Partition(string tenant) => new(tenant, TestServices.Replica);

    private InMemoryStateStore Open() => InMemoryStateStore.OpenDurable(Path.Combine(_root.FullName, "state"), _time, sealThresholdChars: 1);
}
