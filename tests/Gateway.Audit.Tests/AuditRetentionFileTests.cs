using Gateway.Audit.Options;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Cli;
using Gateway.Policy.AuditChain;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static Gateway.Audit.Tests.Infrastructure.RetentionSteps;

namespace Gateway.Audit.Tests;

/// <summary>Retention by age on the embedded file journal, with real files: export first, then the file rewritten from the anchor.</summary>
public sealed class AuditRetentionFileTests : IDisposable
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly string _tenant = TestServices.NewTenant();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "file-retention-" + Guid.NewGuid().ToString("N"));
    private readonly List<FileAuditStore> _sinks = [];

    private string JournalDirectory => Path.Combine(_root, "journal");

    private string ExportDirectory => Path.Combine(_root, "exports");

    public void Dispose()
    {
        foreach (var sink in _sinks)
        {
            sink.Dispose();
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task RetireAsync_OldRecords_ExportedThenRetiredAndTheRestVerifiesFromTheAnchor()
    {
        var journal = TestServices.Journal(Sink(), _time);
        await AppendAsync(journal, _tenant, 3);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await AppendAsync(journal, _tenant, 2);

        var retired = await Retention(journal).RetireAsync(_tenant, cutoff, ExportDirectory);

        Assert.Equal(3, retired);
        await AssertIntactAsync(journal, _tenant, 2);

        var exported = await File.ReadAllLinesAsync(Assert.Single(Directory.GetFiles(Path.Combine(ExportDirectory, _tenant))));
        Assert.Equal(3, exported.Length);
        Assert.True(AuditExportVerifier.Verify(new StringReader(string.Join('\n', exported))).Intact);

        // The journal file itself starts with the anchor and verifies offline; the export joins it.
        var stored = await File.ReadAllLinesAsync(JournalFile(_tenant));
        Assert.Equal(3, stored.Length);
        Assert.Contains("\"anchor\":true", stored[0], StringComparison.Ordinal);
        var remaining = AuditExportVerifier.Verify(new StringReader(string.Join('\n', stored)));
        Assert.True(remaining.Intact, remaining.Reason);
        var joined = AuditExportVerifier.Verify(new StringReader(string.Join('\n', exported.Concat(stored.Skip(1)))));
        Assert.True(joined.Intact, joined.Reason);
        Assert.Equal(5, joined.Lines);

        // A restart recovers the anchored chain: the next record is seq 6 and links to record 5.
        var restarted = Sink();
        await restarted.RecoverAllAsync();
        Assert.Equal(new AuditTip(3, JsonHash(exported[^1])), await restarted.GetAnchorAsync(new AuditPartition(_tenant, TestServices.Replica)));
        var next = await TestServices.Journal(restarted, _time).AppendAsync(Entry(_tenant));
        Assert.Equal(6, next.Seq);
        Assert.Equal(JsonHash(stored[^1]), next.PrevHash);
        await AssertIntactAsync(TestServices.Journal(restarted, _time), _tenant, 3);
    }

    [Fact]
    public async Task RetireAsync_EveryRecordOld_LeavesTheAnchorAloneAndTheChainContinues()
    {
        var journal = TestServices.Journal(Sink(), _time);
        var last = (await AppendAsync(journal, _tenant, 2))[^1];
        _time.Advance(TimeSpan.FromDays(40));

        Assert.Equal(2, await Retention(journal).RetireAsync(_tenant, _time.GetUtcNow(), ExportDirectory));
        Assert.Equal(0, await Retention(journal).RetireAsync(_tenant, _time.GetUtcNow(), ExportDirectory));

        Assert.Single(await File.ReadAllLinesAsync(JournalFile(_tenant)));
        var next = await journal.AppendAsync(Entry(_tenant));
        Assert.Equal(3, next.Seq);
        Assert.Equal(last.Hash, next.PrevHash);
        Assert.True((await journal.VerifyAsync(_tenant)).Intact);
    }

    [Fact]
    public async Task RetentionJob_TenantOverride_NeverTouchesAnotherTenantsJournal()
    {
        var other = TestServices.NewTenant();
        var journal = TestServices.Journal(Sink(), _time);
        await AppendAsync(journal, _tenant, 2);
        await AppendAsync(journal, other, 2);
        _time.Advance(TimeSpan.FromDays(10));
        var untouched = await File.ReadAllBytesAsync(JournalFile(other));

        var job = new AuditRetentionJob(
            Retention(journal),
            journal,
            Microsoft.Extensions.Options.Options.Create(new AuditOptions
            {
                Sink = AuditOptions.FileSink,
                Directory = JournalDirectory,
                Retention = new AuditRetentionOptions { Tenants = new(StringComparer.Ordinal) { [_tenant] = TimeSpan.FromDays(5) }, ExportDirectory = ExportDirectory },
            }),
            _time,
            NullLogger<AuditRetentionJob>.Instance);

        Assert.Equal(2, await job.RunOnceAsync(CancellationToken.None));

        Assert.Equal(0, (await journal.VerifyAsync(_tenant)).Records);
        Assert.Equal(untouched, await File.ReadAllBytesAsync(JournalFile(other)));
        Assert.False(Directory.Exists(Path.Combine(ExportDirectory, other)));
        await AssertIntactAsync(journal, other, 2);
    }

    [Fact]
    public async Task RetireAsync_RewriteFailsAfterTheExport_LosesNothingAndARerunRetires()
    {
        var journal = TestServices.Journal(Sink(), _time);
        await AppendAsync(journal, _tenant, 3);
        _time.Advance(TimeSpan.FromDays(40));
        var before = await File.ReadAllBytesAsync(JournalFile(_tenant));

        // The step after the export fails: the rewritten journal cannot be created (a directory is in its way).
        var blocker = Directory.CreateDirectory(JournalFile(_tenant) + ".retiring");
        await Assert.ThrowsAnyAsync<UnauthorizedAccessException>(async () =>
            await Retention(journal).RetireAsync(_tenant, _time.GetUtcNow(), ExportDirectory));

        var export = Assert.Single(Directory.GetFiles(Path.Combine(ExportDirectory, _tenant)));
        Assert.True(AuditExportVerifier.Verify(new StringReader(await File.ReadAllTextAsync(export))).Intact);
        Assert.Equal(before, await File.ReadAllBytesAsync(JournalFile(_tenant)));
        await AssertIntactAsync(journal, _tenant, 3);
        Assert.Equal(4, (await journal.AppendAsync(Entry(_tenant))).Seq);

        blocker.Delete();
        Assert.Equal(3, await Retention(journal).RetireAsync(_tenant, _time.GetUtcNow(), ExportDirectory));
        await AssertIntactAsync(journal, _tenant, 1);
    }

    [Fact]
    public async Task RecoverAllAsync_CrashBeforeTheRename_KeepsTheOldJournalAndDropsTheHalfWrittenOne()
    {
        var journal = TestServices.Journal(Sink(), _time);
        await AppendAsync(journal, _tenant, 3);
        var before = await File.ReadAllBytesAsync(JournalFile(_tenant));
        var leftover = JournalFile(_tenant) + ".retiring";
        await File.WriteAllTextAsync(leftover, "{\"anchor\":true,\"hash\":\"");

        var restarted = Sink();
        await restarted.RecoverAllAsync();

        Assert.False(File.Exists(leftover));
        Assert.Equal(before, await File.ReadAllBytesAsync(JournalFile(_tenant)));
        await AssertIntactAsync(TestServices.Journal(restarted, _time), _tenant, 3);
        Assert.Equal(AuditTip.Genesis, await restarted.GetAnchorAsync(new AuditPartition(_tenant, TestServices.Replica)));
    }

    [Fact]
    public async Task RetireAsync_RecordNotWhereTheChainPutsIt_RetiresNothing()
    {
        var sink = Sink();
        var journal = TestServices.Journal(sink, _time);
        await AppendAsync(journal, _tenant, 3);
        var lines = await File.ReadAllLinesAsync(JournalFile(_tenant));
        sink.Dispose();
        await File.WriteAllLinesAsync(JournalFile(_tenant), [lines[0], lines[2], lines[1]]);
        var reopened = Sink();
        var before = await File.ReadAllBytesAsync(JournalFile(_tenant));

        await Assert.ThrowsAsync<InvalidDataException>(async () => await reopened.RetireAsync(new AuditPartition(_tenant, TestServices.Replica), 2));

        Assert.Equal(before, await File.ReadAllBytesAsync(JournalFile(_tenant)));
        Assert.Equal(AuditTip.Genesis, await reopened.GetAnchorAsync(new AuditPartition(_tenant, TestServices.Replica)));
    }

    [Fact]
    public async Task RetireAsync_SinkAskedToAnchorOnAnEditedRecord_RetiresNothing()
    {
        var sink = Sink();
        await AppendAsync(TestServices.Journal(sink, _time), _tenant, 3);
        sink.Dispose();
        var lines = await File.ReadAllLinesAsync(JournalFile(_tenant));
        lines[1] = lines[1].Replace("\"decision\":\"allow\"", "\"decision\":\"block\"", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(JournalFile(_tenant), lines);
        var reopened = Sink();
        var before = await File.ReadAllBytesAsync(JournalFile(_tenant));

        // The sink's own last check, for a caller that did not check the chain first: the anchor's record must be sealed.
        await Assert.ThrowsAsync<InvalidDataException>(async () => await reopened.RetireAsync(new AuditPartition(_tenant, TestServices.Replica), 2));

        Assert.Equal(before, await File.ReadAllBytesAsync(JournalFile(_tenant)));
        Assert.Equal(AuditTip.Genesis, await reopened.GetAnchorAsync(new AuditPartition(_tenant, TestServices.Replica)));
    }

    [Fact]
    public async Task RetireAsync_FourChains_EveryChainExportedAndRetiredThroughItsOwnAnchor()
    {
        var journal = TestServices.Journal(Sink(), _time, chains: 4);
        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => journal.AppendAsync(Entry(_tenant) with { RequestId = "old-" + i }).AsTask()));
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => journal.AppendAsync(Entry(_tenant) with { RequestId = "new-" + i }).AsTask()));

        var retired = await Retention(journal).RetireAsync(_tenant, cutoff, ExportDirectory);
        await journal.AppendAsync(Entry(_tenant) with { RequestId = "after" });

        Assert.Equal(24, retired);
        await AssertIntactAsync(journal, _tenant, 25);
        var exported = AuditExportVerifier.Verify(new StringReader(await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(Path.Combine(ExportDirectory, _tenant))))));
        Assert.True(exported.Intact, exported.Reason);
        Assert.Equal(4, exported.Chains.Count);
        foreach (var chain in exported.Chains.Keys)
        {
            var stored = await File.ReadAllLinesAsync(Path.Combine(JournalDirectory, _tenant + FileAuditStore.ReplicaSeparator + chain + FileAuditStore.FileSuffix));
            Assert.Contains("\"anchor\":true", stored[0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RetireAsync_RecordEditedWithoutItsHashBeforeTheCut_RetiresNothingAndVerifyStillNamesIt()
    {
        var sink = Sink();
        await AppendAsync(TestServices.Journal(sink, _time), _tenant, 3);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await AppendAsync(TestServices.Journal(sink, _time), _tenant, 2);
        sink.Dispose();
        var lines = await File.ReadAllLinesAsync(JournalFile(_tenant));
        lines[0] = lines[0].Replace("\"decision\":\"allow\"", "\"decision\":\"block\"", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(JournalFile(_tenant), lines);
        var edited = await File.ReadAllBytesAsync(JournalFile(_tenant));
        var journal = TestServices.Journal(Sink(), _time);

        var retired = await Retention(journal).RetireAsync(_tenant, cutoff, ExportDirectory);

        Assert.Equal(0, retired);
        Assert.Equal(edited, await File.ReadAllBytesAsync(JournalFile(_tenant)));
        var verification = await journal.VerifyAsync(_tenant);
        Assert.False(verification.Intact);
        Assert.Equal(0, verification.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.HashMismatch, verification.Reason);
    }

    [Fact]
    public async Task RetireAsync_RecordEditedAmongTheOldOnes_RetiresOnlyTheRecordsBeforeIt()
    {
        var sink = Sink();
        await AppendAsync(TestServices.Journal(sink, _time), _tenant, 3);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await AppendAsync(TestServices.Journal(sink, _time), _tenant, 2);
        sink.Dispose();
        var lines = await File.ReadAllLinesAsync(JournalFile(_tenant));
        lines[1] = lines[1].Replace("\"decision\":\"allow\"", "\"decision\":\"block\"", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(JournalFile(_tenant), lines);
        var journal = TestServices.Journal(Sink(), _time);

        var retired = await Retention(journal).RetireAsync(_tenant, cutoff, ExportDirectory);

        Assert.Equal(1, retired);
        var exported = AuditExportVerifier.Verify(new StringReader(await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(Path.Combine(ExportDirectory, _tenant))))));
        Assert.True(exported.Intact, exported.Reason);
        Assert.Equal(1, exported.Lines);
        Assert.Equal(1, (await journal.Store.GetAnchorAsync(new AuditPartition(_tenant, TestServices.Replica))).Length);
        var verification = await journal.VerifyAsync(_tenant);
        Assert.False(verification.Intact);
        Assert.Equal(0, verification.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.HashMismatch, verification.Reason);
    }

    private static string JsonHash(string line) => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("hash").GetString()!;

    private string JournalFile(string tenant) =>
        Path.Combine(JournalDirectory, tenant + FileAuditStore.ReplicaSeparator + TestServices.Replica + FileAuditStore.FileSuffix);

    private FileAuditStore Sink()
    {
        var sink = TestServices.FileSink(JournalDirectory);
        _sinks.Add(sink);
        return sink;
    }
}
