using System.Security.Cryptography;
using System.Text;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Cli;
using Gateway.Policy.AuditChain;
using Gateway.Testing;
using Gateway.Testing.Stores;
using static Gateway.Audit.Tests.Infrastructure.RetentionSteps;

namespace Gateway.Audit.Tests;

/// <summary>A tenant's stored explanations in the embedded file journal: indexed while streamed, and pruned by retention.</summary>
public sealed class AuditExplanationRetentionFileTests : IDisposable
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly string _tenant = TestServices.NewTenant();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "explanation-retention-" + Guid.NewGuid().ToString("N"));
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
    public async Task RetireAsync_ExplanationsOfRetiredRecordsOnly_AreDropped()
    {
        var sink = Sink();
        var journal = TestServices.Journal(sink, _time);
        var oldRun = await journal.AppendAsync(Explained("run-old"));
        var shared = await journal.AppendAsync(Explained(null));
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        var sharedKept = await journal.AppendAsync(Explained(null));
        var newRun = await journal.AppendAsync(Explained("run-new"));

        var retired = await Retention(journal).RetireAsync(_tenant, cutoff, ExportDirectory);

        Assert.Equal(2, retired);
        Assert.Equal(shared.ExplanationDigest, sharedKept.ExplanationDigest);
        var stored = StoredDigests();
        Assert.Equal(new[] { shared.ExplanationDigest, newRun.ExplanationDigest }.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(oldRun.ExplanationDigest, stored);
        await AssertIntactAsync(journal, _tenant, 2);

        // The export carries the dropped explanation: it verifies on its own.
        var exported = await File.ReadAllLinesAsync(Assert.Single(Directory.GetFiles(Path.Combine(ExportDirectory, _tenant))));
        Assert.Contains(exported, l => l.Contains(oldRun.ExplanationDigest!, StringComparison.Ordinal) && l.Contains("\"kind\":\"explanation\"", StringComparison.Ordinal));
        Assert.True(AuditExportVerifier.Verify(new StringReader(string.Join('\n', exported))).Intact);

        // A restart indexes the rewritten file.
        var restarted = Sink();
        await restarted.RecoverAllAsync();
        Assert.Null(await restarted.GetExplanationAsync(_tenant, oldRun.ExplanationDigest!));
        Assert.NotNull(await restarted.GetExplanationAsync(_tenant, newRun.ExplanationDigest!));
    }

    [Fact]
    public async Task AppendAsync_DroppedExplanationRecursInTheSameWriter_IsStoredAgainAndVerifies()
    {
        var journal = TestServices.Journal(Sink(), _time);
        var first = await journal.AppendAsync(Explained("run-1"));
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await journal.AppendAsync(Explained("run-2"));
        await Retention(journal).RetireAsync(_tenant, cutoff, ExportDirectory);
        Assert.DoesNotContain(first.ExplanationDigest, StoredDigests());

        // The writer stored this digest before retention dropped it: it must carry it again.
        var again = await journal.AppendAsync(Explained("run-1"));

        Assert.Equal(first.ExplanationDigest, again.ExplanationDigest);
        Assert.Contains(first.ExplanationDigest, StoredDigests());
        await AssertIntactAsync(journal, _tenant, 2);
    }

    [Fact]
    public async Task ExportAsync_RetentionRetiresAndDropsExplanationsMidExport_ExportVerifiesOrThrowsMoved()
    {
        var journal = TestServices.Journal(Sink(), _time);
        await journal.AppendAsync(Explained("run-0"));
        await journal.AppendAsync(Explained("run-1"));
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await journal.AppendAsync(Explained("run-2"));

        // The export reads its first line, then a retention run retires run-0's and run-1's records and drops their explanations.
        var lines = new List<string>();
        var moved = false;
        await using (var export = journal.ExportAsync(_tenant, DateTimeOffset.MaxValue).GetAsyncEnumerator())
        {
            Assert.True(await export.MoveNextAsync());
            lines.Add(export.Current);
            Assert.Equal(2, await Retention(journal).RetireAsync(_tenant, cutoff, ExportDirectory));
            try
            {
                while (await export.MoveNextAsync())
                {
                    lines.Add(export.Current);
                }
            }
            catch (AuditChainMovedException)
            {
                moved = true;
            }
        }

        var verification = AuditExportVerifier.Verify(new StringReader(string.Join('\n', lines)));
        Assert.True(moved || verification.Intact, verification.Reason);
    }

    [Fact]
    public async Task ReadAsync_RetentionRetiresAndDropsExplanationsBesideTheRead_GivesEveryRecordItsExplanation()
    {
        var sink = Sink();
        var reading = new RetiringBesideReadsSink(sink);
        var journal = TestServices.Journal(reading, _time);
        var cutoff = await AppendAcrossTheCutoffAsync(journal);
        reading.Beside = () => Retention(TestServices.Journal(sink, _time)).RetireAsync(_tenant, cutoff, ExportDirectory).AsTask();

        var records = await journal.ReadAsync(_tenant, 0, 10);

        Assert.Equal(2, reading.Retired);
        var record = Assert.Single(records);
        Assert.Equal("run-2", record.GetProperty("explanation").GetProperty("run_id").GetString());
    }

    [Fact]
    public async Task QueryAsync_RetentionRetiresAndDropsExplanationsBesideTheQuery_GivesEveryRecordItsExplanation()
    {
        var sink = Sink();
        var reading = new RetiringBesideReadsSink(sink);
        var journal = TestServices.Journal(reading, _time);
        var cutoff = await AppendAcrossTheCutoffAsync(journal);
        reading.Beside = () => Retention(TestServices.Journal(sink, _time)).RetireAsync(_tenant, cutoff, ExportDirectory).AsTask();

        var page = await journal.QueryAsync(_tenant, new AuditQuery { Limit = 10 });

        Assert.Equal(2, reading.Retired);
        var record = Assert.Single(page.Records);
        Assert.Equal("run-2", record.GetProperty("explanation").GetProperty("run_id").GetString());
    }

    [Fact]
    public async Task GetExplanationAsync_FileFarLargerThanItsLines_IndexedWithoutReadingItWhole()
    {
        Directory.CreateDirectory(JournalDirectory);
        var padding = new string('x', 60 * 1024);
        var digests = new List<string>();
        await using (var writer = new StreamWriter(Path.Combine(JournalDirectory, _tenant + FileAuditStore.ExplanationsSuffix), append: false, new UTF8Encoding(false)))
        {
            for (var i = 0; i < 512; i++)
            {
                var explanation = $$"""{"note":"{{i}}{{padding}}"}""";
                var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(explanation)));
                digests.Add(digest);
                await writer.WriteAsync(AuditExplanationLine.Write(_tenant, digest, explanation) + "\n");
            }

            await writer.WriteAsync("{\"digest\":\"torn");
        }

        var sink = Sink();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var last = await sink.GetExplanationAsync(_tenant, digests[^1]);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // 30 MiB of lines: a whole-file buffer would allocate at least that much.
        Assert.InRange(allocated, 0, 4 * 1024 * 1024);
        Assert.StartsWith("{\"note\":\"511", last, StringComparison.Ordinal);
        Assert.StartsWith("{\"note\":\"0", await sink.GetExplanationAsync(_tenant, digests[0]), StringComparison.Ordinal);
        Assert.EndsWith("}\n", await File.ReadAllTextAsync(sink.ExplanationsPathOf(_tenant)), StringComparison.Ordinal);
    }

    private AuditEntry Explained(string? run) => Entry(_tenant) with
    {
        PolicyDigest = "p1",
        IntentDigest = "i1",
        Explanation = Encoding.UTF8.GetBytes(run is null
            ? """{"policy_digest":"p1","intent_digest":"i1","decision_path":[]}"""
            : $$"""{"policy_digest":"p1","intent_digest":"i1","decision_path":[],"run_id":"{{run}}"}"""),
    };

    // Two records with their own explanations before the returned cutoff, one after it.
    private async Task<DateTimeOffset> AppendAcrossTheCutoffAsync(AuditJournal journal)
    {
        await journal.AppendAsync(Explained("run-0"));
        await journal.AppendAsync(Explained("run-1"));
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await journal.AppendAsync(Explained("run-2"));
        return cutoff;
    }

    private List<string> StoredDigests() =>
        [.. File.ReadAllLines(_sinks[0].ExplanationsPathOf(_tenant)).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("digest").GetString()!)];

    private FileAuditStore Sink()
    {
        var sink = TestServices.FileSink(JournalDirectory);
        _sinks.Add(sink);
        return sink;
    }

    /// <summary>Reads a chain whole from the file it opened, then runs <see cref="Beside"/> (once) before giving its lines: a retention run beside a read.</summary>
    private sealed class RetiringBesideReadsSink(IAuditStore inner) : DelegatingAuditStore(inner)
    {
        public Func<Task<long>>? Beside { get; set; }

        public long Retired { get; private set; }

        public override async IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var lines = await Inner.ReadAsync(partition, start, cancellationToken).ToListAsync(cancellationToken);
            if (Beside is { } beside)
            {
                Beside = null;
                Retired = await beside();
            }

            foreach (var line in lines)
            {
                yield return line;
            }
        }
    }
}
