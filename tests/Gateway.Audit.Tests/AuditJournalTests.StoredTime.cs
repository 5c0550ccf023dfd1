using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Cli;
using Gateway.Policy.AuditChain;

namespace Gateway.Audit.Tests;

/// <summary>
/// A stored record's members as the journal's readers take them: only a string that reads as a time is a time. A record
/// whose time is missing, unreadable or not a string (an edit: the time is sealed) is exported as it is, so that offline
/// verification names it, and is named by <c>audit verify</c>; such a record, or one whose seq is not a number or whose
/// strings escape a lone surrogate, is left out of a walked query; none is answered as a 500.
/// </summary>
public abstract partial class AuditJournalTests
{
    [Theory]
    [InlineData("\"not a time\"")]
    [InlineData("12345")]
    [InlineData(null)]
    public async Task ExportAsync_LineWithoutAReadableTime_IsExportedNeverEndsTheChain(string? time)
    {
        await AppendManyAsync(3);
        var lines = await ReadRawAsync();
        lines[1] = WithTime(lines[1], time);
        await WriteRawAsync(lines);

        var exported = await TestServices.Journal(CreateSink(), Time).ExportAsync(Tenant, Time.GetUtcNow().AddSeconds(1)).ToListAsync();

        Assert.Equal(lines, exported.Where(static l => !l.Contains("\"kind\":\"explanation\"", StringComparison.Ordinal)));
        var offline = AuditExportVerifier.Verify(new StringReader(string.Join('\n', exported)));
        Assert.False(offline.Intact);
        Assert.Equal(AuditBreakReasons.HashMismatch, offline.Reason);
    }

    [Fact]
    public async Task VerifyAsync_RecordWhoseTimeIsANumber_NamesTheBreakNot500()
    {
        await AppendManyAsync(3);
        var lines = await ReadRawAsync();
        lines[1] = WithTime(lines[1], "12345");
        await WriteRawAsync(lines);

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.False(result.Intact);
        Assert.Equal(1, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.HashMismatch, result.Reason);
    }

    [Fact]
    public async Task QueryAsync_RecordWhoseTimeAndSeqAreNotWhatTheyName_AnswersTheOthersNot500()
    {
        await AppendManyAsync(3);
        var lines = await ReadRawAsync();
        var edited = JsonNode.Parse(WithTime(lines[1], "12345"))!.AsObject();
        edited["seq"] = "two";
        lines[1] = edited.ToJsonString();
        await WriteRawAsync(lines);

        var page = await TestServices.Journal(CreateSink(), Time).QueryAsync(Tenant, new AuditQuery());

        Assert.Contains(page.Records, static r => r.GetProperty("seq").ValueKind == JsonValueKind.Number && r.GetProperty("seq").GetInt64() == 1);
        Assert.Contains(page.Records, static r => r.GetProperty("seq").ValueKind == JsonValueKind.Number && r.GetProperty("seq").GetInt64() == 3);
    }

    [Fact]
    public async Task QueryAsync_RecordWhoseAgentEscapesALoneSurrogate_IsLeftOutNot500()
    {
        await AppendManyAsync(3);
        var lines = await ReadRawAsync();
        lines[1] = lines[1].Replace("\"agent\":\"", "\"agent\":\"\\ud800", StringComparison.Ordinal);
        await WriteRawAsync(lines);

        var page = await TestServices.Journal(CreateSink(), Time).QueryAsync(Tenant, new AuditQuery { Agent = "agent-1" });

        Assert.DoesNotContain(page.Records, static r => r.GetProperty("seq").GetInt64() == 2);
    }

    [Fact]
    public async Task ReadAsync_RecordWhoseExplanationDigestEscapesALoneSurrogate_IsAnsweredAsStoredNot500()
    {
        await AppendManyAsync(3);
        var lines = await ReadRawAsync();
        var edited = JsonNode.Parse(lines[1])!.AsObject();
        edited.Remove("explanation");
        edited.Remove("explanation_digest");
        lines[1] = edited.ToJsonString().TrimEnd('}') + ",\"explanation_digest\":\"\\ud800\"}";
        await WriteRawAsync(lines);

        var records = await TestServices.Journal(CreateSink(), Time).ReadAsync(Tenant, 0, 10);

        Assert.Equal(3, records.Count);
        Assert.False(records[1].TryGetProperty("explanation", out _));
    }

    // The stored line with its time replaced by the JSON value `time` (removed when null), its hash left as it was.
    private static string WithTime(string line, string? time)
    {
        var record = JsonNode.Parse(line)!.AsObject();
        if (time is null)
        {
            record.Remove("time");
        }
        else
        {
            record["time"] = JsonNode.Parse(time);
        }

        return record.ToJsonString();
    }
}
