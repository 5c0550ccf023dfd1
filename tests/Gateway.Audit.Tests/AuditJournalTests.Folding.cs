using System.Text;
using System.Text.Json;
using Gateway.Audit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Audit.Tests;

public abstract partial class AuditJournalTests
{
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
    public async Task AppendAsync_DecisionsOfAnotherActorChainOrFailingControls_KeepRecordsOfTheirOwn()
    {
        var (journal, sink, first) = await HoldFirstGroupAsync();
        var chain = Gateway.Policy.ActorChain.ForPerson("ada", "agent-1").Links;
        var child = new Gateway.Policy.ActorLink(Gateway.Policy.ActorKind.Delegate, "dlg-1") { Name = "researcher" };

        // Two decisions of equal chains and controls, each list its own instance (one record); one of a longer chain and
        // one of other failing controls (each a record of its own).
        var same = new[] { 1, 2 }.Select(i => journal.AppendAsync(Decided(i) with { ActorChain = [.. chain], FailingControls = ["red_team"] }).AsTask()).ToArray();
        var otherChain = journal.AppendAsync(Decided(3) with { ActorChain = [.. chain, child], FailingControls = ["red_team"] }).AsTask();
        var otherControls = journal.AppendAsync(Decided(4) with { ActorChain = [.. chain], FailingControls = ["red_team", "budget"] }).AsTask();
        sink.Release.SetResult();
        await first;

        var folded = Assert.Single((await Task.WhenAll(same)).DistinctBy(r => r.Seq));
        Assert.Equal(["req-1", "req-2"], folded.Decisions!.Select(d => d.RequestId));
        Assert.Equal(["req-3", "req-4"], new[] { await otherChain, await otherControls }.Select(r => r.RequestId));
        Assert.All(new[] { await otherChain, await otherControls }, r => Assert.Null(r.Decisions));
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
}
