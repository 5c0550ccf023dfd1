using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.AuditChain;

namespace Gateway.Audit.Tests;

public sealed class AuditJournalFileTests : AuditJournalTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "oversight-audit-" + Guid.NewGuid().ToString("N"));
    private readonly List<FileAuditStore> _sinks = [];

    private string FilePath => Path.Combine(_directory, Tenant + FileAuditStore.ReplicaSeparator + TestServices.Replica + FileAuditStore.FileSuffix);

    private string ExplanationsPath => Path.Combine(_directory, Tenant + FileAuditStore.ExplanationsSuffix);

    protected override bool StoresReceiptsApart => true;

    [Fact]
    public async Task RecoverAllAsync_TornLastLine_IsCutAndTheChainContinues()
    {
        var journal = TestServices.Journal(CreateSink(), Time);
        var first = await journal.AppendAsync(Entry(0));
        DisposeSinks();
        await File.AppendAllTextAsync(FilePath, "{\"seq\":2,\"tena");

        var sink = (FileAuditStore)CreateSink();
        await sink.RecoverAllAsync();
        var next = await TestServices.Journal(sink, Time).AppendAsync(Entry(1));

        Assert.Equal(2, next.Seq);
        Assert.Equal(first.Hash, next.PrevHash);
        Assert.Equal(2, (await File.ReadAllLinesAsync(FilePath)).Length);
        Assert.True((await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant)).Intact);
    }

    [Fact]
    public async Task Recover_CrashBetweenGroupsWithATornGroup_LosesNoAcknowledgedRecord()
    {
        var journal = TestServices.Journal(CreateSink(), Time);
        var acknowledged = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(async () => await journal.AppendAsync(Entry(i)))));

        // The process dies while writing the next group (never acknowledged): half a line reached the disk.
        await File.AppendAllTextAsync(FilePath, "{\"seq\":51,\"ten");
        var restarted = (FileAuditStore)CreateSink();
        await restarted.RecoverAllAsync();
        var stored = await TestServices.Journal(restarted, Time).ReadAsync(Tenant, 0, 1000);
        var next = await TestServices.Journal(restarted, Time).AppendAsync(Entry(50));

        Assert.Equal(acknowledged.Select(r => r.Hash).Order(StringComparer.Ordinal), stored.Select(s => s.GetProperty("hash").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(51, next.Seq);
        Assert.Equal(acknowledged.MaxBy(r => r.Seq)!.Hash, next.PrevHash);
        var result = await TestServices.Journal(restarted, Time).VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(51, result.Records);
    }

    [Fact]
    public async Task RecoverAllAsync_DirectoryAnotherSinkHolds_IsRefused()
    {
        var first = (FileAuditStore)CreateSink();
        await first.RecoverAllAsync();
        await TestServices.Journal(first, Time).AppendAsync(Entry(0));

        // A second gateway starting on the same directory (its own lock on the lock file, as another process takes).
        var refused = await Assert.ThrowsAsync<IOException>(() => ((FileAuditStore)CreateSink()).RecoverAllAsync().AsTask());

        Assert.Contains(_directory, refused.Message, StringComparison.Ordinal);
        Assert.Contains("another process", refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await TestServices.Journal(first, Time).AppendAsync(Entry(1))).Seq);
    }

    [Fact]
    public async Task RecoverAllAsync_AfterTheHolderIsDisposed_RecoversAndTheChainContinues()
    {
        var sink = (FileAuditStore)CreateSink();
        await sink.RecoverAllAsync();
        var first = await TestServices.Journal(sink, Time).AppendAsync(Entry(0));
        DisposeSinks();

        var restarted = (FileAuditStore)CreateSink();
        await restarted.RecoverAllAsync();
        var next = await TestServices.Journal(restarted, Time).AppendAsync(Entry(1));

        Assert.Equal(first.Hash, next.PrevHash);
    }

    [Fact]
    public async Task RecoverAllAsync_DirectoryTheEmbeddedStoreAlsoHolds_IsNotRefused()
    {
        // One process, both in one directory (Gateway:Audit:Directory set to the store's): each has a lock file of its own.
        using var store = Gateway.Store.InMemoryStateStore.OpenDurable(_directory);
        var sink = (FileAuditStore)CreateSink();
        await sink.RecoverAllAsync();

        Assert.Equal(1, (await TestServices.Journal(sink, Time).AppendAsync(Entry(0))).Seq);
    }

    [Fact]
    public async Task AppendAsync_InvalidTenant_IsRefusedBeforeTouchingTheDisk()
    {
        var journal = TestServices.Journal(CreateSink(), Time);

        await Assert.ThrowsAsync<ArgumentException>(() => journal.AppendAsync(Entry(0) with { Tenant = "../etc" }).AsTask());
    }

    public void Dispose()
    {
        DisposeSinks();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    protected override IAuditStore CreateSink()
    {
        var sink = TestServices.FileSink(_directory);
        _sinks.Add(sink);
        return sink;
    }

    protected override IReadOnlyList<AuditJournal> CreateConcurrentJournals()
    {
        var journal = TestServices.Journal(CreateSink(), Time);
        return [journal, journal];
    }

    protected override async Task<List<string>> ReadRawAsync() => [.. await File.ReadAllLinesAsync(FilePath)];

    protected override async Task<long> CountExplanationsAsync() => (await File.ReadAllLinesAsync(ExplanationsPath)).Length;

    protected override async Task ReplaceExplanationsAsync(string digest, string explanation)
    {
        DisposeSinks();
        await File.WriteAllLinesAsync(ExplanationsPath, [AuditExplanationLine.Write(Tenant, digest, explanation)]);
    }

    protected override Task RemoveExplanationsAsync()
    {
        DisposeSinks();
        File.Delete(ExplanationsPath);
        return Task.CompletedTask;
    }

    protected override async Task WriteRawAsync(IReadOnlyList<string> lines)
    {
        DisposeSinks();
        await File.WriteAllLinesAsync(FilePath, lines);
    }

    private void DisposeSinks()
    {
        foreach (var sink in _sinks)
        {
            sink.Dispose();
        }

        _sinks.Clear();
    }
}
