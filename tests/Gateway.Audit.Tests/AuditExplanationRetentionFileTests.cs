using System.Security.Cryptography;
using System.Text;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Cli;
using Gateway.Policy.AuditChain;
using Gateway.Testing;
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

    private List<string> StoredDigests() =>
        [.. File.ReadAllLines(_sinks[0].ExplanationsPathOf(_tenant)).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("digest").GetString()!)];

    private FileAuditStore Sink()
    {
        var sink = TestServices.FileSink(JournalDirectory);
        _sinks.Add(sink);
        return sink;
    }
}
