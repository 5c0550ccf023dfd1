using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.AuditChain;
using Gateway.Testing;
using Gateway.Testing.Stores;

namespace Gateway.Audit.Tests;

/// <summary>The journal's chain and tamper detection, run against every sink (AuditJournalFileTests, AuditJournalStoreTests).</summary>
public abstract partial class AuditJournalTests
{
    protected ManualTimeProvider Time { get; } = new();

    protected string Tenant { get; } = TestServices.NewTenant();

    /// <summary>A fresh sink over the same storage (a restart, or another replica).</summary>
    protected abstract IAuditStore CreateSink();

    protected abstract Task<List<string>> ReadRawAsync();

    /// <summary>Replaces the tenant's stored lines behind the journal's back (the tamperer).</summary>
    protected abstract Task WriteRawAsync(IReadOnlyList<string> lines);

    /// <summary>How many explanations the sink holds for the tenant.</summary>
    protected abstract Task<long> CountExplanationsAsync();

    /// <summary>Replaces the tenant's stored explanations with the one <paramref name="explanation"/> under <paramref name="digest"/> (the tamperer).</summary>
    protected abstract Task ReplaceExplanationsAsync(string digest, string explanation);

    /// <summary>Removes every stored explanation of the tenant (the tamperer).</summary>
    protected abstract Task RemoveExplanationsAsync();

    /// <summary>Journals that append concurrently (two replicas for shared sinks; one process for files).</summary>
    protected virtual IReadOnlyList<AuditJournal> CreateConcurrentJournals() =>
        [TestServices.Journal(CreateSink(), Time), TestServices.Journal(CreateSink(), Time)];

    protected AuditEntry Refused(string agent, string tool, string code, int status, string requestId) => new()
    {
        Tenant = Tenant,
        Agent = agent,
        Tool = tool,
        RequestId = requestId,
        Decision = "refused:" + code,
        StatusCode = status,
        Fold = AuditFold.RepeatedRefusal,
    };

    /// <summary>
    /// A journal over a <see cref="GatedSink"/> whose first group (<paramref name="first"/>, by default <c>Entry(0)</c>) is
    /// being written and held: what is appended next queues and goes in one group once the sink is released.
    /// </summary>
    protected async Task<(AuditJournal Journal, GatedSink Sink, Task<AuditRecord> First)> HoldFirstGroupAsync(IAuditExporter? exporter = null, AuditEntry? first = null)
    {
        var sink = new GatedSink(CreateSink());
        var journal = exporter is null ? TestServices.Journal(sink, Time) : TestServices.Journal(sink, Time, exporter);
        var appended = journal.AppendAsync(first ?? Entry(0)).AsTask();
        await sink.FirstAppendStarted.Task;
        return (journal, sink, appended);
    }

    /// <summary>
    /// A decision written before its request is forwarded, as the host records it (no status yet, may fold): its
    /// explanation carries its own intent digest, so decisions <paramref name="i"/> differ only in request and intent.
    /// </summary>
    protected AuditEntry Decided(int i) => Explained(i) with
    {
        Decision = "allow",
        StatusCode = 0,
        Invoked = false,
        Redactions = null,
        UpstreamStatus = null,
        LatencyMs = null,
        Fold = AuditFold.Decision,
    };

    /// <summary>
    /// Writes <paramref name="old"/> sealed as journals wrote them before issue #33 (a decision with status_code 0 and
    /// invoked false) and <paramref name="today"/>'s lines re-linked after them, as the tenant's chain; returns the
    /// chain verified and exported by a fresh journal.
    /// </summary>
    private async Task<(AuditVerification Result, List<string> Exported)> WriteAfterOldRecordsAndReadAsync(IReadOnlyList<string> today, params AuditEntry[] old)
    {
        var previous = AuditCanonicalJson.GenesisHash;
        var lines = new List<string>();
        var nodes = old.Select((entry, i) =>
        {
            var node = JsonNode.Parse(Encoding.UTF8.GetString(AuditSeal.Seal(AuditRecord.From(entry, TestServices.Replica, i + 1, Time.GetUtcNow(), previous)).Line))!.AsObject();
            node["status_code"] = entry.StatusCode;
            node["invoked"] = entry.Invoked;
            return node;
        }).Concat(today.Select(line => JsonNode.Parse(line)!.AsObject())).ToList();
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            node.Remove("hash");
            node["seq"] = i + 1;
            node["prev_hash"] = previous;
            using (var unsealed = JsonDocument.Parse(node.ToJsonString()))
            {
                node["hash"] = previous = AuditCanonicalJson.ComputeHash(unsealed.RootElement);
            }

            using var sealedLine = JsonDocument.Parse(node.ToJsonString());
            lines.Add(AuditCanonicalJson.Canonicalize(sealedLine.RootElement));
        }

        Assert.Contains("\"status_code\":0", lines[0], StringComparison.Ordinal);
        await WriteRawAsync(lines);

        var reader = TestServices.Journal(CreateSink(), Time);
        var result = await reader.VerifyAsync(Tenant);
        var exported = await reader.ExportAsync(Tenant, DateTimeOffset.MaxValue).ToListAsync();

        return (result, exported);
    }

    /// <summary>
    /// The export verifies offline (<paramref name="records"/> records, one of them carrying the array member
    /// <paramref name="folded"/>), and with <paramref name="original"/> replaced by <paramref name="edited"/> the offline
    /// check names the edited record's hash.
    /// </summary>
    private static void AssertVerifiesOffline(List<string> exported, int records, string folded, string original, string edited)
    {
        var chains = AuditTenantChains.ForExport();
        Assert.All(exported, line => Assert.Null(chains.Check(line)));
        Assert.Equal(records, chains.Chains[TestServices.Replica].Records);
        Assert.Contains(exported, line => line.Contains("\"" + folded + "\":[", StringComparison.Ordinal));
        var tampered = exported.Select(l => l.Replace(original, edited, StringComparison.Ordinal)).ToList();
        var offline = AuditTenantChains.ForExport();
        Assert.Equal(AuditBreakReasons.HashMismatch, tampered.Select(l => offline.Check(l)).First(b => b is not null)!.Value.Reason);
    }

    /// <summary>What happened when a forwarded request ran, as the host records it (no digests: its decision record has them).</summary>
    protected AuditEntry Outcome(string tool, string decision, string requestId, int status, int upstream, double latencyMs) => new()
    {
        Tenant = Tenant,
        Workspace = "ws-1",
        Agent = "agent-1",
        Tool = tool,
        Connector = "crm",
        RequestId = requestId,
        Decision = decision,
        StatusCode = status,
        Invoked = true,
        UpstreamStatus = upstream,
        LatencyMs = latencyMs,
        Fold = AuditFold.Outcome,
    };

    protected AuditEntry Entry(int i) => new()
    {
        Tenant = Tenant,
        Workspace = "ws-1",
        Agent = "agent-1",
        Tool = "crm.update",
        Connector = "crm",
        RequestId = "req-" + i,
        Decision = "allow_and_log",
        FailingControls = ["red_team"],
        Explanation = """{"policy_digest":"p1","decision_path":[{"control":"agent_registration","outcome":"pass"}],"note":"\u00fcn\u00efcode \"quoted\" \u003Ctag\u003E"}"""u8.ToArray(),
        PolicyDigest = "p1",
        IntentDigest = "i" + i,
        StatusCode = 200,
        Invoked = true,
        Redactions = new Dictionary<string, int> { ["pii"] = 2 },
        UpstreamStatus = 201,
        LatencyMs = 12.5,
    };

    /// <summary>An entry whose explanation carries the entry's own intent digest (as the policy's does).</summary>
    protected AuditEntry Explained(int i) => Entry(i) with
    {
        Explanation = Encoding.UTF8.GetBytes($$"""{"policy_digest":"p1","intent_digest":"i{{i}}","decision_path":[{"control":"agent_registration","outcome":"pass"}],"what_would_change":[],"note":"\u00fcn\u00efcode \"quoted\""}"""),
    };

    /// <summary>The canonical form of <see cref="Explained"/>'s explanation, as reads give it back.</summary>
    protected static string ExplainedCanonical(int i) =>
        $$"""{"decision_path":[{"control":"agent_registration","outcome":"pass"}],"intent_digest":"i{{i}}","note":"ünïcode \"quoted\"","policy_digest":"p1","what_would_change":[]}""";

    private async Task<string> AppendManyAsync(int count)
    {
        var journal = TestServices.Journal(CreateSink(), Time);
        string tip = string.Empty;
        for (var i = 0; i < count; i++)
        {
            tip = (await journal.AppendAsync(Entry(i))).Hash!;
        }

        return tip;
    }

    /// <summary>Holds the first group's append until released, so that later appends queue behind it; counts appends.</summary>
    protected sealed class GatedSink(IAuditStore inner) : DelegatingAuditStore(inner)
    {
        private int _appends;

        public TaskCompletionSource FirstAppendStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Appends => Volatile.Read(ref _appends);

        public override async ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _appends) == 1)
            {
                FirstAppendStarted.SetResult();
                await Release.Task;
            }

            return await Inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);
        }
    }

    /// <summary>Counts the explanations each append carries.</summary>
    private sealed class ExplanationCountingSink(IAuditStore inner) : DelegatingAuditStore(inner)
    {
        public List<int> ExplanationsPerAppend { get; } = [];

        public override ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
        {
            ExplanationsPerAppend.Add(explanations.Count);
            return Inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);
        }
    }

    private sealed class ThrowingExporter : IAuditExporter
    {
        public ValueTask ExportAsync(AuditRecord record, CancellationToken cancellationToken = default) => throw new InvalidOperationException("exporter down");
    }

    private sealed class ListExporter(List<AuditRecord> records) : IAuditExporter
    {
        public ValueTask ExportAsync(AuditRecord record, CancellationToken cancellationToken = default)
        {
            lock (records)
            {
                records.Add(record);
            }

            return ValueTask.CompletedTask;
        }
    }
}
