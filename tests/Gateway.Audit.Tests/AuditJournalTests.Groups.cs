using System.Text.Json.Nodes;
using Gateway.Audit.Options;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.Evidence;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Audit.Tests;

public abstract partial class AuditJournalTests
{
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
}
