using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Audit.Options;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.AuditChain;
using Gateway.Policy.Evidence;
using Gateway.Store;
using Gateway.Testing;
using Gateway.Testing.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Audit.Tests;

/// <summary>The journal's chain and tamper detection, run against every sink (subclasses below).</summary>
public abstract class AuditJournalTests
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

    [Fact]
    public async Task AppendAsync_Explanation_RecordCarriesItsDigestAndReadsWithTheExplanation()
    {
        var journal = TestServices.Journal(CreateSink(), Time);

        var record = await journal.AppendAsync(Explained(0));

        var line = Assert.Single(await ReadRawAsync());
        using var stored = JsonDocument.Parse(line);
        Assert.False(stored.RootElement.TryGetProperty("explanation", out _));
        Assert.Equal(record.ExplanationDigest, stored.RootElement.GetProperty("explanation_digest").GetString());
        Assert.Equal(record.Hash, AuditCanonicalJson.ComputeHash(stored.RootElement));
        var read = Assert.Single(await TestServices.Journal(CreateSink(), Time).ReadAsync(Tenant, 0, 10));
        Assert.Equal(ExplainedCanonical(0), AuditCanonicalJson.Canonicalize(read.GetProperty("explanation")));
        Assert.Equal(record.ExplanationDigest, read.GetProperty("explanation_digest").GetString());
        var queried = Assert.Single((await TestServices.Journal(CreateSink(), Time).QueryAsync(Tenant, new AuditQuery())).Records);
        Assert.Equal(ExplainedCanonical(0), AuditCanonicalJson.Canonicalize(queried.GetProperty("explanation")));
        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Detail);
    }

    [Fact]
    public async Task AppendAsync_RepeatedExplanationWithOtherIntents_IsStoredOnce()
    {
        var journal = TestServices.Journal(CreateSink(), Time);

        var records = new List<AuditRecord>();
        for (var i = 0; i < 5; i++)
        {
            records.Add(await journal.AppendAsync(Explained(i)));
        }

        await TestServices.Journal(CreateSink(), Time).AppendAsync(Explained(5));

        Assert.Single(records.Select(r => r.ExplanationDigest).Distinct());
        Assert.Equal(1, await CountExplanationsAsync());
        var read = await TestServices.Journal(CreateSink(), Time).ReadAsync(Tenant, 0, 10);
        Assert.Equal(Enumerable.Range(0, 6).Select(ExplainedCanonical), read.Select(r => AuditCanonicalJson.Canonicalize(r.GetProperty("explanation"))));
    }

    [Fact]
    public async Task VerifyAsync_AlteredExplanation_NamesTheRecordAndTheDigest()
    {
        await TestServices.Journal(CreateSink(), Time).AppendAsync(Entry(0) with { Explanation = default });
        var record = await TestServices.Journal(CreateSink(), Time).AppendAsync(Explained(1));
        await ReplaceExplanationsAsync(record.ExplanationDigest!, """{"decision_path":[],"policy_digest":"forged"}""");

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.False(result.Intact);
        Assert.Equal(AuditBreakReasons.ExplanationAltered, result.Reason);
        Assert.Equal(1, result.BrokenAtIndex);
        Assert.Contains("seq 2", result.Detail, StringComparison.Ordinal);
        Assert.Contains(record.ExplanationDigest!, result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_MissingExplanation_NamesTheRecordAndTheDigest()
    {
        var record = await TestServices.Journal(CreateSink(), Time).AppendAsync(Explained(0));
        await RemoveExplanationsAsync();

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.False(result.Intact);
        Assert.Equal(AuditBreakReasons.ExplanationMissing, result.Reason);
        Assert.Equal(0, result.BrokenAtIndex);
        Assert.Contains("seq 1", result.Detail, StringComparison.Ordinal);
        Assert.Contains(record.ExplanationDigest!, result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportAsync_RecordsByDigest_GiveEachExplanationOnceBeforeItsFirstRecordAndVerifyOffline()
    {
        var journal = TestServices.Journal(CreateSink(), Time);
        await journal.AppendAsync(Entry(0) with { Explanation = default });
        for (var i = 1; i < 4; i++)
        {
            await journal.AppendAsync(Explained(i));
        }

        var lines = await TestServices.Journal(CreateSink(), Time).ExportAsync(Tenant, DateTimeOffset.MaxValue).ToListAsync();

        Assert.Equal(5, lines.Count);
        Assert.Contains("\"kind\":\"explanation\"", lines[1], StringComparison.Ordinal);
        var chains = AuditTenantChains.ForExport();
        Assert.All(lines, line => Assert.Null(chains.Check(line)));
        Assert.Equal(4, chains.Chains[TestServices.Replica].Records);
        var withoutExplanation = AuditTenantChains.ForExport();
        Assert.Equal(AuditBreakReasons.ExplanationMissing, lines.Where((_, i) => i != 1).Select(l => withoutExplanation.Check(l)).First(b => b is not null)!.Value.Reason);
    }

    [Fact]
    public async Task VerifyAsync_OldRecordsWithInlineExplanationsThenNewOnes_VerifyAndReadAsBefore()
    {
        // Two records as the journal wrote them before digests (explanation inline), then two by digest.
        var old = new List<string>();
        var previous = AuditCanonicalJson.GenesisHash;
        for (var i = 0; i < 2; i++)
        {
            var node = JsonNode.Parse(Encoding.UTF8.GetString(AuditSeal.Seal(AuditRecord.From(Entry(i) with { Explanation = default }, TestServices.Replica, i + 1, Time.GetUtcNow(), previous)).Line))!.AsObject();
            node["explanation"] = JsonNode.Parse(ExplainedCanonical(i));
            using (var unsealed = JsonDocument.Parse(node.ToJsonString()))
            {
                node["hash"] = previous = AuditCanonicalJson.ComputeHash(unsealed.RootElement);
            }

            using var sealedLine = JsonDocument.Parse(node.ToJsonString());
            old.Add(AuditCanonicalJson.Canonicalize(sealedLine.RootElement));
        }

        var next = new List<string>();
        for (var i = 2; i < 4; i++)
        {
            var sealedRecord = AuditSeal.Seal(AuditRecord.From(Explained(i), TestServices.Replica, i + 1, Time.GetUtcNow(), previous));
            previous = sealedRecord.Record.Hash!;
            next.Add(Encoding.UTF8.GetString(sealedRecord.Line));
        }

        // The explanation is stored by another replica's record of the same decision; the chain is then replaced by the mixed one.
        await TestServices.Journal(CreateSink(), Time, "replica-other").AppendAsync(Explained(9));
        await TestServices.Journal(CreateSink(), Time).AppendAsync(Entry(0) with { Explanation = default });
        await WriteRawAsync([.. old, .. next]);

        var journal = TestServices.Journal(CreateSink(), Time);
        var result = await journal.VerifyAsync(Tenant);
        var read = await journal.ReadAsync(Tenant, 0, 10);

        Assert.True(result.Intact, result.Detail);
        Assert.Equal(5, result.Records);
        Assert.Equal(old, read.Take(2).Select(r => AuditCanonicalJson.Canonicalize(r)));
        Assert.Equal(Enumerable.Range(0, 4).Select(ExplainedCanonical), read.Select(r => AuditCanonicalJson.Canonicalize(r.GetProperty("explanation"))));
    }

    [Fact]
    public async Task AppendAsync_ExplanationAlreadyStoredByThisWriter_IsSentOnlyWithTheFirstGroup()
    {
        var sink = new ExplanationCountingSink(CreateSink());
        var journal = TestServices.Journal(sink, Time);

        for (var i = 0; i < 3; i++)
        {
            await journal.AppendAsync(Explained(i));
        }

        Assert.Equal([1, 0, 0], sink.ExplanationsPerAppend);
    }

    [Fact]
    public async Task QueryAsync_ByRun_ReturnsTheRunsRecordsInOrderAndNoOther()
    {
        const string Run = "run-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        var journal = TestServices.Journal(CreateSink(), Time);
        for (var i = 0; i < 6; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(10));
            await journal.AppendAsync(new AuditEntry
            {
                Tenant = Tenant,
                Agent = "a",
                Decision = i % 3 == 0 ? "run_event" : "allow",
                RequestId = "run-req-" + i,
                StatusCode = 200,
                RunId = i % 2 == 0 ? Run : null,
                RunEvent = i % 3 == 0 ? new AuditRunEvent { Type = "step", Name = "s" + i } : null,
            });
        }

        var reader = TestServices.Journal(CreateSink(), Time);
        var all = await reader.QueryAsync(Tenant, new AuditQuery { RunId = Run });
        var first = await reader.QueryAsync(Tenant, new AuditQuery { RunId = Run, Limit = 2 });
        var rest = await reader.QueryAsync(Tenant, new AuditQuery { RunId = Run, Limit = 2, After = first.Next });
        var events = await reader.QueryAsync(Tenant, new AuditQuery { RunId = Run, Decision = "run_event" });

        Assert.Equal(["run-req-0", "run-req-2", "run-req-4"], all.Records.Select(r => r.GetProperty("request_id").GetString()));
        Assert.Equal(["run-req-0", "run-req-2", "run-req-4"], first.Records.Concat(rest.Records).Select(r => r.GetProperty("request_id").GetString()));
        Assert.Equal("s0", Assert.Single(events.Records).GetProperty("run_event").GetProperty("name").GetString());
        Assert.Empty((await reader.QueryAsync(Tenant, new AuditQuery { RunId = "run-" + new string('0', 32) })).Records);
        Assert.True((await reader.VerifyAsync(Tenant)).Intact);
    }

    [Fact]
    public async Task AppendAsync_Records_FormAHashChainFromGenesis()
    {
        var journal = TestServices.Journal(CreateSink(), Time);

        var first = await journal.AppendAsync(Entry(0));
        var second = await journal.AppendAsync(Entry(1));

        Assert.Equal(1, first.Seq);
        Assert.Equal(new string('0', 64), first.PrevHash);
        Assert.Equal(2, second.Seq);
        Assert.Equal(first.Hash, second.PrevHash);
        var lines = await ReadRawAsync();
        Assert.Equal(2, lines.Count);
        using var stored = JsonDocument.Parse(lines[1]);
        Assert.Equal(second.Hash, stored.RootElement.GetProperty("hash").GetString());
        Assert.Equal(second.Hash, AuditCanonicalJson.ComputeHash(stored.RootElement));
        Assert.Equal("allow_and_log", stored.RootElement.GetProperty("decision").GetString());
        Assert.Equal(2, stored.RootElement.GetProperty("redactions").GetProperty("pii").GetInt32());
    }

    [Fact]
    public async Task VerifyAsync_IntactChain_IsIntactWithTip()
    {
        var tip = await AppendManyAsync(5);

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.True(result.Intact);
        Assert.Equal(5, result.Records);
        Assert.Equal(tip, result.TipHash);
    }

    [Fact]
    public async Task VerifyAsync_EditedRecord_ReportsHashMismatchAtItsIndex()
    {
        await AppendManyAsync(5);
        var lines = await ReadRawAsync();
        lines[2] = lines[2].Replace("\"decision\":\"allow_and_log\"", "\"decision\":\"allow\"", StringComparison.Ordinal);
        await WriteRawAsync(lines);

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.False(result.Intact);
        Assert.Equal(TestServices.Replica, result.Replica);
        Assert.Equal(2, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.HashMismatch, result.Reason);
    }

    [Fact]
    public async Task VerifyAsync_EditedAndResealedRecord_BreaksTheNextLink()
    {
        await AppendManyAsync(5);
        var lines = await ReadRawAsync();
        var node = JsonNode.Parse(lines[2])!.AsObject();
        node["status_code"] = 403;
        node.Remove("hash");
        using (var document = JsonDocument.Parse(node.ToJsonString()))
        {
            node["hash"] = AuditCanonicalJson.ComputeHash(document.RootElement);
        }

        lines[2] = node.ToJsonString();
        await WriteRawAsync(lines);

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.Equal(3, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.PrevHashMismatch, result.Reason);
    }

    [Fact]
    public async Task VerifyAsync_DeletedRecord_ReportsSequenceGapAtItsIndex()
    {
        await AppendManyAsync(5);
        var lines = await ReadRawAsync();
        lines.RemoveAt(1);
        await WriteRawAsync(lines);

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.Equal(1, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.SequenceGap, result.Reason);
    }

    [Fact]
    public async Task VerifyAsync_InsertedRecord_IsDetected()
    {
        await AppendManyAsync(4);
        var lines = await ReadRawAsync();
        using var previous = JsonDocument.Parse(lines[1]);
        var forged = new JsonObject
        {
            ["seq"] = 3,
            ["time"] = Time.GetUtcNow().ToString("O"),
            ["tenant"] = Tenant,
            ["agent"] = "agent-1",
            ["decision"] = "allow",
            ["status_code"] = 200,
            ["invoked"] = true,
            ["replica"] = TestServices.Replica,
            ["prev_hash"] = previous.RootElement.GetProperty("hash").GetString(),
        };
        using (var document = JsonDocument.Parse(forged.ToJsonString()))
        {
            forged["hash"] = AuditCanonicalJson.ComputeHash(document.RootElement);
        }

        lines.Insert(2, forged.ToJsonString());
        await WriteRawAsync(lines);

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.False(result.Intact);
        Assert.Equal(3, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.SequenceGap, result.Reason);
    }

    [Fact]
    public async Task AppendAsync_AfterRestart_ContinuesTheChain()
    {
        var tip = await AppendManyAsync(3);

        var restarted = TestServices.Journal(CreateSink(), Time);
        var next = await restarted.AppendAsync(Entry(3));

        Assert.Equal(4, next.Seq);
        Assert.Equal(tip, next.PrevHash);
        Assert.True((await restarted.VerifyAsync(Tenant)).Intact);
    }

    [Fact]
    public async Task AppendAsync_ConcurrentWriters_KeepOneIntactChain()
    {
        var writers = CreateConcurrentJournals();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => writers[i % writers.Count].AppendAsync(Entry(i)).AsTask()));

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(40, result.Records);
    }

    [Fact]
    public async Task AppendAsync_Exporters_ReceiveRecordAndTheirFailuresDoNotFailTheAppend()
    {
        var exported = new List<AuditRecord>();
        var journal = TestServices.Journal(CreateSink(), Time, new ThrowingExporter(), new ListExporter(exported));

        var record = await journal.AppendAsync(Entry(0));

        Assert.Equal(record.Hash, Assert.Single(exported).Hash);
    }

    [Fact]
    public async Task AppendAsync_FoldedRecords_ReachTheExportersOnceEach()
    {
        var exported = new List<AuditRecord>();
        var (journal, sink, first) = await HoldFirstGroupAsync(new ListExporter(exported));
        var group = Enumerable.Range(1, 3).Select(i => journal.AppendAsync(Outcome("crm.update", "allow", "out-" + i, 200, 200, i)).AsTask())
            .Concat(Enumerable.Range(1, 2).Select(i => journal.AppendAsync(Refused("agent-1", "crm.update", "rate_limited", 429, "rl-" + i)).AsTask()))
            .ToArray();
        sink.Release.SetResult();
        var records = await Task.WhenAll([first, .. group]);

        Assert.Equal(3, records.DistinctBy(r => r.Seq).Count());
        lock (exported)
        {
            Assert.Equal([1L, 2L, 3L], exported.Select(r => r.Seq).Order());
        }
    }

    [Fact]
    public async Task ReadAsync_FromStart_ReturnsStoredRecordsInOrder()
    {
        await AppendManyAsync(5);

        var records = await TestServices.Journal(CreateSink(), Time).ReadAsync(Tenant, 2, 2);

        Assert.Equal([3L, 4L], records.Select(r => r.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task AppendAsync_ArrivingWhileAGroupIsInFlight_GoTogetherInTheNextGroupAndAllVerify()
    {
        var sink = new GatedSink(CreateSink());
        var journal = TestServices.Journal(sink, Time);

        var first = journal.AppendAsync(Entry(0)).AsTask();
        await sink.FirstAppendStarted.Task;
        var queued = Enumerable.Range(1, 199).Select(i => journal.AppendAsync(Entry(i)).AsTask()).ToArray();
        Assert.DoesNotContain(queued, t => t.IsCompleted);
        sink.Release.SetResult();
        var records = await Task.WhenAll([first, .. queued]);

        Assert.Equal(2, sink.Appends);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), records.Select(r => r.Seq).Order());
        Assert.All(records, r => Assert.Equal(TestServices.Replica, r.Replica));
        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(200, result.Records);
    }

    [Fact]
    public async Task AppendAsync_CancelledWhileQueued_EndsTheWaitAloneAndTheRecordIsStillWritten()
    {
        var sink = new GatedSink(CreateSink());
        var journal = TestServices.Journal(sink, Time);

        var first = journal.AppendAsync(Entry(0)).AsTask();
        await sink.FirstAppendStarted.Task;
        using var cancel = new CancellationTokenSource();
        var cancelled = journal.AppendAsync(Entry(1), cancel.Token).AsTask();
        var kept = journal.AppendAsync(Entry(2)).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(kept.IsCompleted);
        sink.Release.SetResult();
        await first;
        Assert.Equal(3, (await kept).Seq);

        // The wait ended, not the append: its record is in the chain, before the one queued after it.
        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(3, result.Records);
    }

    [Fact]
    public async Task AppendAsync_AlreadyCancelled_ThrowsBeforeAnythingIsQueued()
    {
        var journal = TestServices.Journal(CreateSink(), Time);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await journal.AppendAsync(Entry(0), new CancellationToken(canceled: true)));

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        Assert.Equal(0, result.Records);
    }

    [Fact]
    public async Task AppendAsync_MadeWhileThisThreadHoldsGroupCommits_WrittenAsOneGroupWhenTheScopeEnds()
    {
        // A batch of admitted requests going on on one thread (the admission's group commit) appends its decision records.
        var sink = new GatedSink(CreateSink());
        sink.Release.SetResult();
        var journal = TestServices.Journal(sink, Time);
        Task<AuditAppended>[] appends;
        using (GroupCommitDeferral.Begin())
        {
            appends = [.. Enumerable.Range(1, 5).Select(i => journal.AppendWithReceiptAsync(Entry(i)).AsTask())];
            Assert.Equal(0, sink.Appends);
        }

        var appended = await Task.WhenAll(appends);

        Assert.Equal(1, sink.Appends);
        Assert.Equal([1L, 2, 3, 4, 5], appended.Select(static a => a.Record.Seq));
        Assert.Single(appended.Select(static a => a.Receipt!.Split(ReceiptBatch.Separator)[0]).Distinct());
        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
    }

    [Fact]
    public async Task AppendAsync_GroupWritten_EveryAppendGoesOnOnTheWritersThread()
    {
        var (journal, sink, first) = await HoldFirstGroupAsync();
        var threads = new int[4];
        var queued = Enumerable.Range(1, 4).Select(async i =>
        {
            // Off xunit's synchronization context, so that the continuation runs where the append is completed.
            var record = await journal.AppendAsync(Entry(i)).ConfigureAwait(false);
            threads[i - 1] = Environment.CurrentManagedThreadId;
            return record;
        }).ToArray();

        sink.Release.SetResult();
        await first;
        var records = await Task.WhenAll(queued);

        Assert.Equal(2, sink.Appends);
        Assert.Equal([2L, 3, 4, 5], records.Select(static r => r.Seq).Order());
        Assert.Single(threads.Distinct());
    }

    [Fact]
    public async Task AppendAsync_ManyCallersOnManyThreads_EachGetsItsOwnRecord()
    {
        // An append arriving just as the writer lets go starts the next writer, which reuses the group list: the writer going
        // on with its own group must have taken its appends out first, or it completes another group's appends.
        var journal = TestServices.Journal(CreateSink(), Time);
        var callers = Enumerable.Range(0, 4).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < 150; i++)
            {
                var entry = Entry((caller * 1_000) + i);
                var record = await journal.AppendAsync(entry).ConfigureAwait(false);
                Assert.Equal(entry.RequestId, record.RequestId);
            }
        }));

        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromMinutes(2));
        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(600, result.Records);
    }

    [Fact]
    public async Task AppendAsync_ReceiptsOfOneGroup_AreSignedOnceAndEachNamesItsOwnRecordsLeaf()
    {
        var (journal, sink, first) = await HoldFirstGroupAsync();

        var asked = Enumerable.Range(1, 20).Select(i => journal.AppendWithReceiptAsync(Entry(i)).AsTask()).ToArray();
        var unasked = journal.AppendAsync(Entry(21)).AsTask();
        sink.Release.SetResult();
        await first;
        var appended = await Task.WhenAll(asked);

        await unasked;

        // One signature for the group's twenty receipts; the append that asked for none is not in the batch.
        var signedRoot = Assert.Single(appended.Select(static a => a.Receipt!.Split(ReceiptBatch.Separator)[0]).Distinct());
        Assert.Equal(20, JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(signedRoot.Split('.')[1]))!["size"]!.GetValue<int>());
        var keys = EvidenceKeySet.Of(TestServices.ReceiptKeys);
        for (var i = 0; i < appended.Length; i++)
        {
            Assert.True(DecisionReceipt.TryVerify(appended[i].Receipt, keys, out var claims, out var error), error);
            Assert.Equal("req-" + (i + 1), claims!.RequestId);
            Assert.Equal(appended[i].Record.Seq - 1, claims.LeafIndex);
            Assert.Equal(appended[i].Record.LeafHash, claims.LeafHash);
        }
    }

    [Fact]
    public async Task AppendWithReceiptAsync_ReceiptThatCannotBeSigned_FailsTheGroupBeforeAnythingIsWritten()
    {
        var journal = TestServices.Journal(CreateSink(), Time);

        await Assert.ThrowsAsync<ReceiptSigningException>(async () => await journal.AppendWithReceiptAsync(Entry(0) with { RequestId = null, Invoked = false }));

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(0, result.Records);
        Assert.Empty(await TestServices.Journal(CreateSink(), Time).ReadReceiptsAsync(Tenant, TestServices.Replica, 1, 10));

        // The refusal the request got is what the journal records once it flushes its backlog.
        Assert.Equal(1, journal.BacklogCount);
        Assert.Equal(1, await journal.FlushBacklogAsync());
        var recorded = Assert.Single(await TestServices.Journal(CreateSink(), Time).ReadAsync(Tenant, 0, 10));
        Assert.Equal("refused:audit_unavailable", recorded.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task ReadReceiptsAsync_DelegatedChildActingForAPerson_RebuildsTheActorChainItSigned()
    {
        var chain = Gateway.Policy.ActorChain.ForPerson("ada", "agent-1")
            .Delegate(new Gateway.Policy.ActorLink(Gateway.Policy.ActorKind.Delegate, "dlg-1") { Name = "researcher", RunId = "run-1" });
        var appended = await TestServices.Journal(CreateSink(), Time).AppendWithReceiptAsync(Entry(1) with { Agent = "dlg-1", ActorChain = chain.Links, Person = "ada" });

        var stored = Assert.Single(await TestServices.Journal(CreateSink(), Time).ReadReceiptsAsync(Tenant, TestServices.Replica, 1, 1));

        Assert.Equal(appended.Receipt, stored.Receipt);
        Assert.True(DecisionReceipt.TryVerify(stored.Receipt, EvidenceKeySet.Of(TestServices.ReceiptKeys), out var claims, out var error), error);
        Assert.Equal(["person:ada", "agent:agent-1", "delegate:dlg-1:researcher:run-1"], claims!.ActorChain!.Select(static a => $"{a.Kind}:{a.Id}" + (a.Name is null ? string.Empty : $":{a.Name}:{a.RunId}")));
    }

    [Fact]
    public async Task ReadReceiptsAsync_BatchingOff_StoresEachReceiptAsItsOwnBatchAndGivesThemBack()
    {
        var gate = new GatedSink(CreateSink());
        var journal = TestServices.Journal(gate, Time, TestServices.Metrics, new EvidenceOptions { BatchReceipts = false });
        var first = journal.AppendWithReceiptAsync(Entry(1)).AsTask();
        await gate.FirstAppendStarted.Task;
        var queued = Enumerable.Range(2, 3).Select(i => journal.AppendWithReceiptAsync(Entry(i)).AsTask()).ToList();

        // Two decisions folded into one record: two batches of one receipt each, naming the same seq.
        queued.AddRange(Enumerable.Range(5, 2).Select(i => journal.AppendWithReceiptAsync(Decided(i)).AsTask()));
        gate.Release.SetResult();
        var appended = (await Task.WhenAll([first, .. queued])).OrderBy(static a => a.Record.Seq).ThenBy(static a => a.Receipt, StringComparer.Ordinal).ToArray();

        var batches = await CreateSink().ReadReceiptBatchesAsync(new AuditPartition(Tenant, TestServices.Replica), 1, 5);
        var stored = await TestServices.Journal(CreateSink(), Time).ReadReceiptsAsync(Tenant, TestServices.Replica, 1, 5);

        Assert.Equal(6, batches.Count);
        Assert.All(batches, static b => Assert.Single(b.Members));
        Assert.Equal(5, appended[^1].Record.Seq);
        Assert.Equal(2, appended[^1].Record.Count);
        Assert.Equal(appended.Select(static a => a.Receipt), stored.OrderBy(static r => r.Seq).ThenBy(static r => r.Receipt, StringComparer.Ordinal).Select(static r => (string?)r.Receipt));
    }

    [Fact]
    public async Task ReadReceiptsAsync_AfterGroups_GivesBackTheExactReceiptsTheAppendsGot()
    {
        var (journal, sink, first) = await HoldFirstGroupAsync();
        var asked = Enumerable.Range(1, 12).Select(i => journal.AppendWithReceiptAsync(Entry(i)).AsTask()).ToList();
        var unasked = journal.AppendAsync(Entry(13)).AsTask();

        // Decisions of one kind folded into one record: each request's receipt names its own intent digest.
        asked.AddRange(Enumerable.Range(20, 3).Select(i => journal.AppendWithReceiptAsync(Decided(i)).AsTask()));
        sink.Release.SetResult();
        await first;
        await unasked;
        var appended = await Task.WhenAll(asked);
        var later = await journal.AppendWithReceiptAsync(Entry(30));
        Assert.Equal(3, appended[^1].Record.Count);

        var reader = TestServices.Journal(CreateSink(), Time);
        var stored = await reader.ReadReceiptsAsync(Tenant, TestServices.Replica, 1, later.Record.Seq);

        var expected = appended.Append(later).Select(a => (a.Record.Seq, a.Receipt)).OrderBy(static r => r.Seq).ThenBy(static r => r.Receipt, StringComparer.Ordinal);
        Assert.Equal(expected, stored.Select(static r => (r.Seq, (string?)r.Receipt)).OrderBy(static r => r.Seq).ThenBy(static r => r.Item2, StringComparer.Ordinal));
        var keys = EvidenceKeySet.Of(TestServices.ReceiptKeys);
        foreach (var receipt in stored)
        {
            Assert.True(DecisionReceipt.TryVerify(receipt.Receipt, keys, out var claims, out var error), error);
            Assert.Equal(receipt.RequestId, claims!.RequestId);
            Assert.Equal("i" + receipt.RequestId[4..], claims.IntentDigest);
        }

        Assert.Equal(later.Receipt, (await reader.ReadReceiptAsync(Tenant, "req-30"))!.Receipt);
        Assert.Equal(appended[^1].Receipt, (await reader.ReadReceiptAsync(Tenant, "req-22"))!.Receipt);
        Assert.Null(await reader.ReadReceiptAsync(Tenant, "req-13"));
    }

    [Fact]
    public async Task AppendAsync_RepeatedRefusalsInOneGroup_AreOneRecordListingEveryRequestId()
    {
        var (journal, sink, first) = await HoldFirstGroupAsync();

        // The next group: five rate-limit refusals of one agent and tool, a decision between them, two replays
        // of another agent (their own record), one rate-limit refusal of another tool (alone: stays as it is).
        var limited = Enumerable.Range(1, 5).Select(i => journal.AppendAsync(Refused("agent-1", "crm.update", "rate_limited", 429, "rl-" + i)).AsTask()).ToList();
        var decision = journal.AppendAsync(Entry(9)).AsTask();
        limited.Add(journal.AppendAsync(Refused("agent-1", "crm.update", "rate_limited", 429, "rl-6")).AsTask());
        var replays = new[] { "rp-1", "rp-2" }.Select(id => journal.AppendAsync(Refused("agent-2", "crm.update", "replayed_nonce", 401, id)).AsTask()).ToArray();
        var alone = journal.AppendAsync(Refused("agent-1", "crm.read", "rate_limited", 429, "rl-other")).AsTask();
        sink.Release.SetResult();
        await first;
        var decided = await decision;
        var single = await alone;
        var storm = Assert.Single((await Task.WhenAll(limited)).DistinctBy(r => r.Seq));
        Assert.Equal(6, storm.Count);
        Assert.Null(storm.RequestId);
        Assert.Equal(["rl-1", "rl-2", "rl-3", "rl-4", "rl-5", "rl-6"], storm.RequestIds);
        Assert.Equal(2, storm.Seq);
        Assert.Equal(3, decided.Seq);
        var flood = Assert.Single((await Task.WhenAll(replays)).DistinctBy(r => r.Seq));
        Assert.Equal(["rp-1", "rp-2"], flood.RequestIds);
        Assert.Equal("rl-other", single.RequestId);
        Assert.Null(single.Count);
        var lines = await ReadRawAsync();
        Assert.Equal(5, lines.Count);
        using var stored = JsonDocument.Parse(lines[1]);
        Assert.Equal(6, stored.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(["rl-1", "rl-2", "rl-3", "rl-4", "rl-5", "rl-6"], stored.RootElement.GetProperty("request_ids").EnumerateArray().Select(e => e.GetString()));
        Assert.False(stored.RootElement.TryGetProperty("request_id", out _));
        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(5, result.Records);
    }

    [Fact]
    public async Task AppendAsync_OutcomesInOneGroup_AreOneRecordListingEachRequestWithItsOwnOutcome()
    {
        var (journal, sink, first) = await HoldFirstGroupAsync();

        // The next group: three outcomes of one agent, tool and decision (statuses and latencies of their own) around a
        // decision record, one outcome of another tool and one of another decision (each alone: a record of its own).
        var outcomes = new List<Task<AuditRecord>>
        {
            journal.AppendAsync(Outcome("crm.update", "allow", "out-1", 200, 201, 1.5)).AsTask(),
            journal.AppendAsync(Outcome("crm.update", "allow", "out-2", 404, 404, 2.25)).AsTask(),
        };
        var decision = journal.AppendAsync(Entry(9) with { StatusCode = 0, Invoked = false, Redactions = null, UpstreamStatus = null, LatencyMs = null }).AsTask();
        outcomes.Add(journal.AppendAsync(Outcome("crm.update", "allow", "out-3", 200, 200, 3) with { Redactions = new Dictionary<string, int> { ["pii"] = 1 } }).AsTask());
        var otherTool = journal.AppendAsync(Outcome("crm.read", "allow", "out-other-tool", 200, 200, 4)).AsTask();
        var otherDecision = journal.AppendAsync(Outcome("crm.update", "allow_and_log", "out-other-decision", 200, 200, 5)).AsTask();
        sink.Release.SetResult();
        await first;

        var folded = Assert.Single((await Task.WhenAll(outcomes)).DistinctBy(r => r.Seq));
        Assert.Equal(2, folded.Seq);
        Assert.Equal(3, (await decision).Seq);
        Assert.Equal(3, folded.Count);
        Assert.Null(folded.RequestId);
        Assert.Equal(["out-1", "out-2", "out-3"], folded.Outcomes!.Select(o => o.RequestId));
        Assert.Equal("out-other-tool", (await otherTool).RequestId);
        Assert.Null((await otherTool).Outcomes);
        Assert.Equal("out-other-decision", (await otherDecision).RequestId);
        var lines = await ReadRawAsync();
        Assert.Equal(5, lines.Count);
        using var stored = JsonDocument.Parse(lines[1]);
        var root = stored.RootElement;
        Assert.Equal(3, root.GetProperty("count").GetInt32());
        Assert.Equal("crm", root.GetProperty("connector").GetString());
        Assert.Equal("allow", root.GetProperty("decision").GetString());
        foreach (var member in new[] { "request_id", "request_ids", "status_code", "invoked", "upstream_status", "latency_ms", "redactions" })
        {
            Assert.False(root.TryGetProperty(member, out _), $"the folded record carries {member}: {lines[1]}");
        }

        Assert.Equal(
            """[{"invoked":true,"latency_ms":1.5,"request_id":"out-1","status_code":200,"upstream_status":201},"""
            + """{"invoked":true,"latency_ms":2.25,"request_id":"out-2","status_code":404,"upstream_status":404},"""
            + """{"invoked":true,"latency_ms":3,"redactions":{"pii":1},"request_id":"out-3","status_code":200,"upstream_status":200}]""",
            root.GetProperty("outcomes").GetRawText());
        Assert.Equal(folded.Hash, AuditCanonicalJson.ComputeHash(root));
        using var decided = JsonDocument.Parse(lines[2]);
        Assert.False(decided.RootElement.TryGetProperty("status_code", out _), lines[2]);
        Assert.False(decided.RootElement.TryGetProperty("invoked", out _), lines[2]);
        using var alone = JsonDocument.Parse(lines[3]);
        Assert.Equal(200, alone.RootElement.GetProperty("status_code").GetInt32());
        Assert.True(alone.RootElement.GetProperty("invoked").GetBoolean());
        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(5, result.Records);
    }

    [Fact]
    public async Task QueryAsync_ByRequestId_FindsItsOwnRecordAndTheRecordsThatFoldedIt()
    {
        var (journal, sink, first) = await HoldFirstGroupAsync();
        var group = new[]
        {
            journal.AppendAsync(Outcome("crm.update", "allow", "out-1", 200, 200, 1)).AsTask(),
            journal.AppendAsync(Outcome("crm.update", "allow", "out-2", 200, 200, 2)).AsTask(),
            journal.AppendAsync(Refused("agent-1", "crm.update", "rate_limited", 429, "rl-1")).AsTask(),
            journal.AppendAsync(Refused("agent-1", "crm.update", "rate_limited", 429, "rl-2")).AsTask(),
        };
        sink.Release.SetResult();
        await Task.WhenAll([first, .. group]);

        var reader = TestServices.Journal(CreateSink(), Time);
        var own = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "req-0" });
        var outcome = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "out-2", Decision = "allow" });
        var refusal = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "rl-2" });
        var none = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "out-3" });

        Assert.Equal("req-0", Assert.Single(own.Records).GetProperty("request_id").GetString());
        Assert.Equal(
            ["out-1", "out-2"],
            Assert.Single(outcome.Records).GetProperty("outcomes").EnumerateArray().Select(o => o.GetProperty("request_id").GetString()));
        Assert.Equal(2, Assert.Single(refusal.Records).GetProperty("count").GetInt32());
        Assert.Empty(none.Records);
    }

    [Fact]
    public async Task VerifyAsync_OldTwoRecordRequestsThenFoldedOutcomes_VerifyInTheSinkAndOffline()
    {
        // A group whose outcomes fold, as the journal writes it today.
        var (journal, sink, next) = await HoldFirstGroupAsync(first: Entry(2) with { StatusCode = 0, Invoked = false });
        var folded = Enumerable.Range(2, 4).Select(i => journal.AppendAsync(Outcome("crm.update", "allow_and_log", "req-" + i, 200, 200, i)).AsTask()).ToArray();
        sink.Release.SetResult();
        await Task.WhenAll([next, .. folded]);
        var today = await ReadRawAsync();
        Assert.Equal(2, today.Count);

        // Before it in the chain, a request as journals recorded it before outcomes folded: its decision record with
        // status_code 0 and invoked false, then its own outcome record. Today's records are re-linked after them.
        var (result, exported) = await WriteAfterOldRecordsAndReadAsync(today, Entry(1) with { StatusCode = 0, Invoked = false, Redactions = null, UpstreamStatus = null, LatencyMs = null }, Outcome("crm.update", "allow_and_log", "req-1", 200, 201, 9));

        Assert.True(result.Intact, result.Detail);
        Assert.Equal(4, result.Records);
        AssertVerifiesOffline(exported, 4, "outcomes", "\"request_id\":\"req-4\"", "\"request_id\":\"req-X\"");
    }

    [Fact]
    public async Task AppendAsync_DecisionsInOneGroup_AreOneRecordListingEachRequestWithItsIntentDigest()
    {
        var (journal, sink, first) = await HoldFirstGroupAsync();

        // The next group: three decisions of one agent, tool, decision, policy and explanation (each its own request and
        // intent digest) around an outcome; one with another explanation, one with another policy digest, one of another
        // tool (each alone: a record of its own as today); two blocks of the same kind (their own folded record).
        var decisions = new List<Task<AuditRecord>> { journal.AppendAsync(Decided(1)).AsTask(), journal.AppendAsync(Decided(2)).AsTask() };
        var outcome = journal.AppendAsync(Outcome("crm.update", "allow", "out-1", 200, 200, 1)).AsTask();
        decisions.Add(journal.AppendAsync(Decided(3)).AsTask());
        var otherExplanation = journal.AppendAsync(Decided(4) with { Explanation = Encoding.UTF8.GetBytes("""{"policy_digest":"p1","intent_digest":"i4","what_would_change":["a warrant"]}""") }).AsTask();
        var otherPolicy = journal.AppendAsync(Decided(5) with { PolicyDigest = "p2" }).AsTask();
        var otherTool = journal.AppendAsync(Decided(6) with { Tool = "crm.read" }).AsTask();
        var blocks = new[] { 7, 8 }.Select(i => journal.AppendAsync(Decided(i) with { Decision = "block", StatusCode = 403 }).AsTask()).ToArray();
        sink.Release.SetResult();
        await first;

        var folded = Assert.Single((await Task.WhenAll(decisions)).DistinctBy(r => r.Seq));
        Assert.Equal(2, folded.Seq);
        Assert.Equal(3, (await outcome).Seq);
        Assert.Equal(3, folded.Count);
        Assert.Null(folded.RequestId);
        Assert.Null(folded.IntentDigest);
        Assert.Equal([("req-1", "i1"), ("req-2", "i2"), ("req-3", "i3")], folded.Decisions!.Select(d => (d.RequestId, d.IntentDigest)));
        Assert.Equal((await otherTool).ExplanationDigest, folded.ExplanationDigest);
        foreach (var (alone, i) in new[] { (await otherExplanation, 4), (await otherPolicy, 5), (await otherTool, 6) })
        {
            Assert.Equal("req-" + i, alone.RequestId);
            Assert.Equal("i" + i, alone.IntentDigest);
            Assert.Null(alone.Count);
            Assert.Null(alone.Decisions);
        }

        var blocked = Assert.Single((await Task.WhenAll(blocks)).DistinctBy(r => r.Seq));
        Assert.Equal(["req-7", "req-8"], blocked.Decisions!.Select(d => d.RequestId));
        var lines = await ReadRawAsync();
        Assert.Equal(7, lines.Count);
        using var stored = JsonDocument.Parse(lines[1]);
        var root = stored.RootElement;
        Assert.Equal(3, root.GetProperty("count").GetInt32());
        Assert.Equal("allow", root.GetProperty("decision").GetString());
        Assert.Equal("p1", root.GetProperty("policy_digest").GetString());
        Assert.Equal(["red_team"], root.GetProperty("failing_controls").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(folded.ExplanationDigest, root.GetProperty("explanation_digest").GetString());
        foreach (var member in new[] { "request_id", "request_ids", "intent_digest", "status_code", "invoked", "outcomes", "explanation" })
        {
            Assert.False(root.TryGetProperty(member, out _), $"the folded record carries {member}: {lines[1]}");
        }

        Assert.Equal(
            """[{"intent_digest":"i1","request_id":"req-1"},{"intent_digest":"i2","request_id":"req-2"},{"intent_digest":"i3","request_id":"req-3"}]""",
            root.GetProperty("decisions").GetRawText());
        Assert.Equal(folded.Hash, AuditCanonicalJson.ComputeHash(root));
        using var blockLine = JsonDocument.Parse(lines[6]);
        Assert.Equal(403, blockLine.RootElement.GetProperty("status_code").GetInt32());
        Assert.False(blockLine.RootElement.GetProperty("invoked").GetBoolean());
        Assert.Equal(2, blockLine.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(3, await CountExplanationsAsync());
        var read = (await TestServices.Journal(CreateSink(), Time).ReadAsync(Tenant, 0, 10))[1];
        Assert.Equal(
            """{"decision_path":[{"control":"agent_registration","outcome":"pass"}],"note":"ünïcode \"quoted\"","policy_digest":"p1","what_would_change":[]}""",
            AuditCanonicalJson.Canonicalize(read.GetProperty("explanation")));
        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Detail);
        Assert.Equal(7, result.Records);
    }

    [Fact]
    public async Task AppendAsync_LoneDecision_IsARecordOfItsOwnAsBefore()
    {
        var folding = await TestServices.Journal(CreateSink(), Time).AppendAsync(Decided(1));
        var line = Assert.Single(await ReadRawAsync());

        var expected = AuditSeal.Seal(AuditRecord.From(Decided(1) with { Fold = AuditFold.None }, TestServices.Replica, 1, Time.GetUtcNow(), AuditCanonicalJson.GenesisHash));

        Assert.Equal(Encoding.UTF8.GetString(expected.Line), line);
        Assert.Equal("req-1", folding.RequestId);
        Assert.Null(folding.Decisions);
    }

    [Fact]
    public async Task QueryAsync_ByFoldedDecisionRequestId_FindsTheRecordThatFoldedIt()
    {
        var exported = new List<AuditRecord>();
        var (journal, sink, first) = await HoldFirstGroupAsync(new ListExporter(exported));
        var group = new[] { journal.AppendAsync(Decided(1)).AsTask(), journal.AppendAsync(Decided(2)).AsTask() };
        sink.Release.SetResult();
        await Task.WhenAll([first, .. group]);

        var reader = TestServices.Journal(CreateSink(), Time);
        var second = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "req-2", Decision = "allow" });
        var firstOfThem = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "req-1" });
        var none = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "req-3" });

        var found = Assert.Single(second.Records);
        Assert.Equal(["req-1", "req-2"], found.GetProperty("decisions").EnumerateArray().Select(d => d.GetProperty("request_id").GetString()));
        Assert.Equal(["i1", "i2"], found.GetProperty("decisions").EnumerateArray().Select(d => d.GetProperty("intent_digest").GetString()));
        Assert.True(found.TryGetProperty("explanation", out _));
        Assert.Equal(found.GetProperty("seq").GetInt64(), Assert.Single(firstOfThem.Records).GetProperty("seq").GetInt64());
        Assert.Empty(none.Records);
        lock (exported)
        {
            Assert.Equal([1L, 2L], exported.Select(r => r.Seq).Order());
        }
    }

    [Fact]
    public async Task VerifyAsync_OldRecordsThenFoldedDecisions_VerifyInTheSinkAndOffline()
    {
        // A group whose decisions and outcomes fold, as the journal writes it today.
        var (journal, sink, next) = await HoldFirstGroupAsync(first: Decided(2));
        var folded = Enumerable.Range(3, 3).Select(i => journal.AppendAsync(Decided(i)).AsTask())
            .Concat(Enumerable.Range(3, 3).Select(i => journal.AppendAsync(Outcome("crm.update", "allow", "req-" + i, 200, 200, i)).AsTask()))
            .ToArray();
        sink.Release.SetResult();
        await Task.WhenAll([next, .. folded]);
        var today = await ReadRawAsync();
        Assert.Equal(3, today.Count);

        // Before it in the chain, a request as journals recorded it before decisions folded: its decision record with
        // status_code 0 and invoked false, then its own outcome record. Today's records are re-linked after them.
        var (result, exported) = await WriteAfterOldRecordsAndReadAsync(today, Decided(1) with { Fold = AuditFold.None }, Outcome("crm.update", "allow", "req-1", 200, 201, 9));

        Assert.True(result.Intact, result.Detail);
        Assert.Equal(5, result.Records);
        AssertVerifiesOffline(exported, 5, "decisions", "\"intent_digest\":\"i4\"", "\"intent_digest\":\"iX\"");
    }

    [Fact]
    public async Task AppendAsync_ManyConcurrentCallers_EveryRecordVerifies()
    {
        var journal = TestServices.Journal(CreateSink(), Time);

        var records = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(async () => await journal.AppendAsync(Entry(i)))));

        Assert.Equal(300, records.Select(r => r.Seq).Distinct().Count());
        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(300, result.Records);
    }

    [Fact]
    public async Task VerifyAsync_NoRecords_IsIntactWithNoPartitions()
    {
        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.True(result.Intact);
        Assert.Equal(0, result.Records);
        Assert.Empty(result.Partitions);
    }

    [Fact]
    public async Task QueryAsync_FiltersAcrossReplicasInTimeOrderAndPagesWithoutRepeats()
    {
        var replicaA = TestServices.Journal(CreateSink(), Time, "replica-a");
        var replicaB = TestServices.Journal(CreateSink(), Time, "replica-b");
        var start = Time.GetUtcNow();
        for (var i = 0; i < 12; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await (i % 2 == 0 ? replicaA : replicaB).AppendAsync(Entry(i) with
            {
                Agent = i % 3 == 0 ? "agent-x" : "agent-y",
                Decision = i % 4 == 0 ? "block" : "allow",
            });
        }

        var journal = TestServices.Journal(CreateSink(), Time);
        var seen = new List<string>();
        AuditCursor? cursor = null;
        do
        {
            var page = await journal.QueryAsync(Tenant, new AuditQuery { Agent = "agent-x", Limit = 2, After = cursor });
            seen.AddRange(page.Records.Select(r => r.GetProperty("request_id").GetString()!));
            cursor = page.Next;
        }
        while (cursor is not null);

        var blocked = await journal.QueryAsync(Tenant, new AuditQuery { Decision = "block", Tool = "crm.update", From = start.AddSeconds(2), To = start.AddSeconds(10) });
        var none = await journal.QueryAsync(Tenant, new AuditQuery { Tool = "no.such.tool" });

        Assert.Equal(["req-0", "req-3", "req-6", "req-9"], seen);
        Assert.Equal(["req-4", "req-8"], blocked.Records.Select(r => r.GetProperty("request_id").GetString()));
        Assert.Null(blocked.Next);
        Assert.Empty(none.Records);
    }

    [Fact]
    public async Task QueryAsync_NewestFirst_PagesDownToTheOldestAndBackUpWithoutRepeats()
    {
        var replicaA = TestServices.Journal(CreateSink(), Time, "replica-a");
        var replicaB = TestServices.Journal(CreateSink(), Time, "replica-b");
        for (var i = 0; i < 9; i++)
        {
            // Times with all seven digits of a tick: a cursor must not lose them (PostgreSQL keeps microseconds).
            Time.Advance(TimeSpan.FromTicks(3_333_337));
            await (i % 2 == 0 ? replicaA : replicaB).AppendAsync(Entry(i));
        }

        var journal = TestServices.Journal(CreateSink(), Time);
        var down = new List<string>();
        AuditCursor? cursor = null;
        AuditCursor? oldest = null;
        do
        {
            var page = await journal.QueryAsync(Tenant, new AuditQuery { Limit = 2, After = cursor, NewestFirst = true });
            down.AddRange(page.Records.Select(r => r.GetProperty("request_id").GetString()!));
            oldest = page.First;
            cursor = page.Next;
        }
        while (cursor is not null);

        var up = new List<string>();
        cursor = oldest;
        do
        {
            var page = await journal.QueryAsync(Tenant, new AuditQuery { Limit = 2, After = cursor });
            up.AddRange(page.Records.Select(r => r.GetProperty("request_id").GetString()!));
            cursor = page.Next;
        }
        while (cursor is not null);

        Assert.Equal([.. Enumerable.Range(0, 9).Reverse().Select(i => "req-" + i)], down);
        Assert.Equal([.. Enumerable.Range(1, 8).Select(i => "req-" + i)], up);
    }

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
    protected sealed class GatedSink(IAuditStore inner) : IAuditStore
    {
        private int _appends;

        public TaskCompletionSource FirstAppendStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Appends => Volatile.Read(ref _appends);

        public ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default) => inner.GetTipAsync(partition, cancellationToken);

        public async ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _appends) == 1)
            {
                FirstAppendStarted.SetResult();
                await Release.Task;
            }

            return await inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);
        }

        public IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, CancellationToken cancellationToken = default) => inner.ReadAsync(partition, start, cancellationToken);

        public ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default) => inner.ReadReceiptBatchesAsync(partition, fromSeq, toSeq, cancellationToken);

        public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) => inner.GetExplanationAsync(tenant, digest, cancellationToken);

        public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) => inner.ListReplicasAsync(tenant, cancellationToken);

        public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => inner.ProbeAsync(cancellationToken);
    }

    /// <summary>Counts the explanations each append carries.</summary>
    private sealed class ExplanationCountingSink(IAuditStore inner) : IAuditStore
    {
        public List<int> ExplanationsPerAppend { get; } = [];

        public ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default) => inner.GetTipAsync(partition, cancellationToken);

        public ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
        {
            ExplanationsPerAppend.Add(explanations.Count);
            return inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);
        }

        public IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, CancellationToken cancellationToken = default) => inner.ReadAsync(partition, start, cancellationToken);

        public ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default) => inner.ReadReceiptBatchesAsync(partition, fromSeq, toSeq, cancellationToken);

        public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) => inner.GetExplanationAsync(tenant, digest, cancellationToken);

        public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) => inner.ListReplicasAsync(tenant, cancellationToken);

        public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => inner.ProbeAsync(cancellationToken);
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

public sealed class AuditJournalFileTests : AuditJournalTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "oversight-audit-" + Guid.NewGuid().ToString("N"));
    private readonly List<FileAuditStore> _sinks = [];

    private string FilePath => Path.Combine(_directory, Tenant + FileAuditStore.ReplicaSeparator + TestServices.Replica + FileAuditStore.FileSuffix);

    private string ExplanationsPath => Path.Combine(_directory, Tenant + FileAuditStore.ExplanationsSuffix);

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

public abstract class AuditJournalStoreTests : AuditJournalTests
{
    protected abstract IStateStore Store { get; }

    /// <summary>The store as another replica reaches it (its own connection where there is one).</summary>
    protected virtual IStateStore OtherReplicaStore => Store;

    protected override IAuditStore CreateSink() => new StoreAuditStore(Store);

    protected override async Task<List<string>> ReadRawAsync()
    {
        var key = StoreKeys.AuditLog(Tenant, TestServices.Replica);
        return [.. await Store.ReadLogAsync(key, 0, (int)await Store.LogLengthAsync(key))];
    }

    protected override Task<long> CountExplanationsAsync() => Store.HashLengthAsync(StoreKeys.AuditExplanations(Tenant)).AsTask();

    protected override async Task ReplaceExplanationsAsync(string digest, string explanation)
    {
        var key = StoreKeys.AuditExplanations(Tenant);
        await Store.DeleteAsync(key);
        Assert.True(await Store.TryAppendAsync(key + ":scratch", 0, ["x"u8.ToArray()], key, [KeyValuePair.Create(digest, Encoding.UTF8.GetBytes(explanation))]));
    }

    protected override async Task RemoveExplanationsAsync() => await Store.DeleteAsync(StoreKeys.AuditExplanations(Tenant));

    protected override async Task WriteRawAsync(IReadOnlyList<string> lines)
    {
        var key = StoreKeys.AuditLog(Tenant, TestServices.Replica);
        await Store.DeleteAsync(key);
        for (var i = 0; i < lines.Count; i++)
        {
            Assert.True(await Store.TryAppendAsync(key, i, lines[i]));
        }
    }

    [Fact]
    public async Task AppendAsync_TwoReplicas_TwoChainsThatNeverConflictAndBothVerify()
    {
        var a = new CountingSink(new StoreAuditStore(Store));
        var b = new CountingSink(new StoreAuditStore(OtherReplicaStore));
        var replicaA = TestServices.Journal(a, Time, "replica-a");
        var replicaB = TestServices.Journal(b, Time, "replica-b");

        var records = await Task.WhenAll(Enumerable.Range(0, 120).Select(i => Task.Run(async () => await (i % 2 == 0 ? replicaA : replicaB).AppendAsync(Entry(i)))));

        Assert.Equal(0, a.Conflicts + b.Conflicts);
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), records.Where(r => r.Replica == "replica-a").Select(r => r.Seq).Order());
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), records.Where(r => r.Replica == "replica-b").Select(r => r.Seq).Order());
        var result = await replicaA.VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(120, result.Records);
        Assert.Equal(["replica-a", "replica-b"], result.Partitions.Select(p => p.Replica));
        Assert.All(result.Partitions, p => Assert.Equal(60, p.Records));
    }

    [Fact]
    public async Task AppendAsync_TwoWritersSharingAReplicaId_EveryConflictCountedOnItsPartition()
    {
        var conflicts = new System.Collections.Concurrent.ConcurrentQueue<(long Value, string? Tenant, string? Replica)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = static (instrument, l) =>
            {
                if (instrument.Meter.Name == AuditMetrics.MeterName && instrument.Name == "gateway.audit.append_conflicts")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? tenant = null, replica = null;
            foreach (var tag in tags)
            {
                tenant = tag.Key == "tenant" ? tag.Value as string : tenant;
                replica = tag.Key == "replica" ? tag.Value as string : replica;
            }

            if (tenant == Tenant)
            {
                conflicts.Enqueue((value, tenant, replica));
            }
        });
        listener.Start();
        var a = new CountingSink(new StoreAuditStore(Store));
        var b = new CountingSink(new StoreAuditStore(OtherReplicaStore));
        var first = TestServices.Journal(a, Time, "shared");
        var second = TestServices.Journal(b, Time, "shared");

        // Each writer learns the chain's tip, then the other extends it: the next append of each conflicts at least once.
        await first.AppendAsync(Entry(0));
        await second.AppendAsync(Entry(1));
        await first.AppendAsync(Entry(2));
        await second.AppendAsync(Entry(3));

        Assert.True(a.Conflicts + b.Conflicts >= 2, $"conflicts: {a.Conflicts} + {b.Conflicts}");
        Assert.Equal(a.Conflicts + b.Conflicts, conflicts.Sum(c => c.Value));
        Assert.All(conflicts, c => Assert.Equal("shared", c.Replica));
        var result = await first.VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(4, result.Records);
    }

    [Fact]
    public async Task VerifyAsync_TwoReplicasOneTampered_NamesTheReplicaAndIndex()
    {
        var replicaA = TestServices.Journal(new StoreAuditStore(Store), Time, "replica-a");
        var replicaB = TestServices.Journal(new StoreAuditStore(OtherReplicaStore), Time, "replica-b");
        for (var i = 0; i < 4; i++)
        {
            await replicaA.AppendAsync(Entry(i));
            await replicaB.AppendAsync(Entry(i));
        }

        var key = StoreKeys.AuditLog(Tenant, "replica-b");
        var lines = (await Store.ReadLogAsync(key, 0, 10)).ToList();
        lines[1] = lines[1].Replace("\"status_code\":200", "\"status_code\":403", StringComparison.Ordinal);
        await Store.DeleteAsync(key);
        Assert.True(await Store.TryAppendAsync(key, 0, [.. lines.Select(Encoding.UTF8.GetBytes)]));

        var result = await replicaA.VerifyAsync(Tenant);

        Assert.False(result.Intact);
        Assert.Equal("replica-b", result.Replica);
        Assert.Equal(1, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.HashMismatch, result.Reason);
        Assert.True(result.Partitions.Single(p => p.Replica == "replica-a").Intact);
    }

    [Fact]
    public async Task VerifyAsync_RecordMovedToAnotherReplicasChain_IsReplicaMismatch()
    {
        var replicaA = TestServices.Journal(new StoreAuditStore(Store), Time, "replica-a");
        await replicaA.AppendAsync(Entry(0));
        var moved = await Store.ReadLogAsync(StoreKeys.AuditLog(Tenant, "replica-a"), 0, 1);
        await Store.SetAddAsync(StoreKeys.AuditReplicas(Tenant), "replica-z", null);
        Assert.True(await Store.TryAppendAsync(StoreKeys.AuditLog(Tenant, "replica-z"), 0, [.. moved.Select(Encoding.UTF8.GetBytes)]));

        var result = await replicaA.VerifyAsync(Tenant);

        Assert.Equal("replica-z", result.Replica);
        Assert.Equal(0, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.ReplicaMismatch, result.Reason);
    }

    /// <summary>Counts appends lost to another writer (conflicts).</summary>
    private sealed class CountingSink(IAuditStore inner) : IAuditStore
    {
        private int _conflicts;

        public int Conflicts => Volatile.Read(ref _conflicts);

        public ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default) => inner.GetTipAsync(partition, cancellationToken);

        public async ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
        {
            var appended = await inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);
            if (!appended)
            {
                Interlocked.Increment(ref _conflicts);
            }

            return appended;
        }

        public IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, CancellationToken cancellationToken = default) => inner.ReadAsync(partition, start, cancellationToken);

        public ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default) => inner.ReadReceiptBatchesAsync(partition, fromSeq, toSeq, cancellationToken);

        public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) => inner.GetExplanationAsync(tenant, digest, cancellationToken);

        public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) => inner.ListReplicasAsync(tenant, cancellationToken);

        public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => inner.ProbeAsync(cancellationToken);
    }
}

public sealed class AuditJournalInMemoryStoreTests : AuditJournalStoreTests
{
    public AuditJournalInMemoryStoreTests()
    {
        Store = new InMemoryStateStore(Time);
    }

    protected override IStateStore Store { get; }

    [Fact]
    public async Task AppendAsync_EachEntry_IsMeasuredInEveryPhaseInSeconds()
    {
        var factory = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var phases = new System.Collections.Concurrent.ConcurrentQueue<(string Phase, double Seconds)>();
        string? unit = null;
        IReadOnlyList<double>? buckets = null;
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "gateway.audit.append.phase")
                {
                    unit = instrument.Unit;
                    buckets = ((System.Diagnostics.Metrics.Histogram<double>)instrument).Advice?.HistogramBucketBoundaries;
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "phase")
                {
                    phases.Enqueue(((string)tag.Value!, value));
                }
            }
        });
        listener.Start();
        var journal = TestServices.Journal(CreateSink(), Time, new AuditMetrics(factory), new EvidenceOptions());

        for (var i = 0; i < 3; i++)
        {
            await journal.AppendAsync(Explained(i));
        }

        Assert.Equal("s", unit);
        Assert.Equal(0.00001, buckets![0]);
        Assert.Equal(1, buckets[^1]);
        Assert.Equal(["queued", "seal", "write"], phases.GroupBy(p => p.Phase).Select(g => g.Key).Order(StringComparer.Ordinal));
        Assert.All(phases.GroupBy(p => p.Phase), g => Assert.Equal(3, g.Count()));
        Assert.All(phases, p => Assert.True(p.Seconds >= 0));
    }
}

public sealed class AuditJournalRedisStoreTests(RedisFixture redis) : AuditJournalStoreTests, IClassFixture<RedisFixture>
{
    private readonly IStateStore _second = redis.Connect();

    protected override IStateStore Store { get; } = redis.Connect();

    protected override IStateStore OtherReplicaStore => _second;

    protected override IReadOnlyList<AuditJournal> CreateConcurrentJournals() =>
        [TestServices.Journal(new StoreAuditStore(Store), Time), TestServices.Journal(new StoreAuditStore(_second), Time)];
}
