using Gateway.Audit.Hosting;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Cli;

namespace Gateway.Audit.Tests;

/// <summary>
/// The outcome off the response path (issue #71): an append no caller awaits is durable right after, reads and the host's
/// shutdown wait for it, and a decision whose outcome never came is "outcome unknown" to every verification, never a break.
/// </summary>
public abstract partial class AuditJournalTests
{
    [Fact]
    public async Task AppendUnawaited_SinkHeld_ReadsAndVerifyWaitForItThenFindIt()
    {
        var sink = new GatedSink(CreateSink());
        var journal = TestServices.Journal(sink, Time);

        _ = journal.AppendUnawaited(Outcome("crm.update", "allow", "req-1", 200, 200, 1));
        await sink.FirstAppendStarted.Task;
        var read = journal.ReadAsync(Tenant, 0, 10).AsTask();
        var verified = journal.VerifyAsync(Tenant).AsTask();

        Assert.False(read.IsCompleted, "a read did not wait for the outcome still being appended");
        Assert.False(verified.IsCompleted, "verify did not wait for the outcome still being appended");
        sink.Release.SetResult();
        Assert.Equal("req-1", Assert.Single(await read).GetProperty("request_id").GetString());
        Assert.True((await verified).Intact);
    }

    [Fact]
    public async Task StopAsync_UnawaitedAppendHeld_CompletesOnlyOnceItIsDurable()
    {
        var sink = new GatedSink(CreateSink());
        var journal = TestServices.Journal(sink, Time);
        _ = journal.AppendUnawaited(Outcome("crm.update", "allow", "req-1", 200, 200, 1));
        await sink.FirstAppendStarted.Task;

        var stopping = new AuditStartup(sink, journal).StopAsync(CancellationToken.None);

        Assert.False(stopping.IsCompleted, "the host stopped with an outcome still being appended");
        sink.Release.SetResult();
        await stopping;
        Assert.Contains("\"request_id\":\"req-1\"", Assert.Single(await ReadRawAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_FoldedDecisionsOneWithoutItsOutcome_IntactWithThatRequestOutcomeUnknown()
    {
        // Three decisions in one record (one group), then the outcomes of two of them and the third's task state: a
        // crash took the third's outcome.
        var (journal, sink, first) = await HoldFirstGroupAsync(first: Entry(0));
        var decided = new[] { 1, 2, 3 }.Select(i => journal.AppendAsync(Decided(i)).AsTask()).ToArray();
        sink.Release.SetResult();
        await first;
        Assert.Single((await Task.WhenAll(decided)).DistinctBy(static r => r.Seq));
        await journal.AppendAsync(Outcome("crm.update", "allow", "req-1", 200, 200, 1));
        await journal.AppendAsync(Outcome("crm.update", "allow", "req-3", 502, 502, 2));
        await journal.AppendAsync(Outcome("crm.update", "a2a_task_state", "req-2", 200, 200, 0));

        var verification = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);
        var exported = new List<string>();
        await foreach (var line in journal.ExportAsync(Tenant, DateTimeOffset.MaxValue))
        {
            exported.Add(line);
        }

        var offline = AuditExportVerifier.Verify(new StringReader(string.Join('\n', exported)));

        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(1, verification.OutcomeUnknown);
        Assert.Equal(["req-2"], verification.OutcomeUnknownRequestIds);
        Assert.Equal(["req-2"], Assert.Single(verification.Partitions).OutcomeUnknownRequestIds);
        Assert.True(offline.Intact, offline.Reason);
        Assert.Equal(1, offline.OutcomeUnknown);
        Assert.Equal(["req-2"], offline.OutcomeUnknownRequestIds);
    }

    [Fact]
    public async Task VerifyAsync_EveryDecisionWithItsOutcome_NoOutcomeUnknown()
    {
        var journal = TestServices.Journal(CreateSink(), Time);
        await journal.AppendAsync(Decided(1));
        _ = journal.AppendUnawaited(Outcome("crm.update", "allow", "req-1", 200, 200, 1));

        var verification = await journal.VerifyAsync(Tenant);

        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(0, verification.OutcomeUnknown);
        Assert.Empty(verification.OutcomeUnknownRequestIds);
        Assert.Equal(2, (await journal.ReadAsync(Tenant, 0, 10)).Count);
    }
}
