using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.AuditChain;

namespace Gateway.Audit.Tests;

public abstract partial class AuditJournalTests
{
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

        // The file sink's retention drops explanations, so its writer gives every group's again (the sink keeps the first).
        int[] expected = sink.DropsUnreferencedExplanations ? [1, 1, 1] : [1, 0, 0];
        Assert.Equal(expected, sink.ExplanationsPerAppend);
    }
}
