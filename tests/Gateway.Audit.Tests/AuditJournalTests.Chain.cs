using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.AuditChain;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Audit.Tests;

public abstract partial class AuditJournalTests
{
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
}
