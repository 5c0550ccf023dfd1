using System.Text;
using System.Text.Json;
using Gateway.Oversight.Audit;

namespace Gateway.Oversight.Tests;

/// <summary>The one-pass seal writes exactly the canonical form that verification recomputes from the stored line.</summary>
public sealed class AuditJournalSealTests
{
    public static TheoryData<string> Texts => [.. AuditVectors.Texts];

    [Theory]
    [MemberData(nameof(Texts))]
    public void Seal_AnyText_LineIsCanonicalAndHashesToItsHash(string text)
    {
        var (record, line) = AuditVectors.SealToText(Unsigned(text));

        using var stored = JsonDocument.Parse(Encoding.UTF8.GetBytes(line));
        Assert.Equal(record.Hash, stored.RootElement.GetProperty("hash").GetString());
        Assert.Equal(record.Hash, AuditCanonicalJson.ComputeHash(stored.RootElement));
        Assert.Equal(AuditCanonicalJson.Canonicalize(stored.RootElement), line);
        Assert.Equal(text, stored.RootElement.GetProperty("tool").GetString());
        Assert.Equal(text, stored.RootElement.GetProperty("explanation").GetProperty("b")[1].GetProperty(text).GetString());
    }

    [Fact]
    public void Seal_AllMembers_RoundTripThroughTheStoredLine()
    {
        var (record, line) = AuditVectors.SealToText(Unsigned("x") with { Simulated = true, LatencyMs = 0.1 + 0.2, UpstreamStatus = 502, ApprovalId = "ap-1", Actor = "erin" });

        using var stored = JsonDocument.Parse(line);
        var root = stored.RootElement;
        Assert.Equal(0.1 + 0.2, root.GetProperty("latency_ms").GetDouble());
        Assert.Equal(502, root.GetProperty("upstream_status").GetInt32());
        Assert.True(root.GetProperty("simulated").GetBoolean());
        Assert.Equal("erin", root.GetProperty("actor").GetString());
        Assert.Equal("replica-1", root.GetProperty("replica").GetString());
        Assert.Equal(record.Time, root.GetProperty("time").GetDateTimeOffset());
        Assert.Equal([1, 2], new[] { root.GetProperty("redactions").GetProperty("email").GetInt32(), root.GetProperty("redactions").GetProperty("pii").GetInt32() });
        Assert.Equal(AuditCanonicalJson.Canonicalize(root), line);
    }

    [Fact]
    public void Seal_NullOptionalMembers_AreLeftOut()
    {
        var (_, line) = AuditVectors.SealToText(new AuditRecord { Seq = 1, Time = DateTimeOffset.UnixEpoch, Tenant = "t", Agent = "a", Decision = "block", PrevHash = AuditCanonicalJson.GenesisHash, Replica = "r" });

        using var stored = JsonDocument.Parse(line);
        Assert.Equal(["agent", "decision", "hash", "invoked", "prev_hash", "replica", "seq", "status_code", "tenant", "time"], stored.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(stored.RootElement.GetProperty("hash").GetString(), AuditCanonicalJson.ComputeHash(stored.RootElement));
    }

    [Fact]
    public void Seal_ExplanationWithLiteralUtf8AndEscapes_LineIsCanonical()
    {
        var explanation = Encoding.UTF8.GetBytes("{\"z\":\"ünïcode ✓ literal\",\"a\":[\"esc\\u00e9\\n\",\"\\u2713\"],\"m\":{\"y\":1e3,\"x\":-0.50}}");

        var (record, line) = AuditVectors.SealToText(Unsigned("x") with { Explanation = explanation });

        using var stored = JsonDocument.Parse(line);
        Assert.Equal(AuditCanonicalJson.Canonicalize(stored.RootElement), line);
        Assert.Equal(record.Hash, AuditCanonicalJson.ComputeHash(stored.RootElement));
        Assert.Contains("\"explanation\":{\"a\":[\"esc\u00e9\\n\",\"\u2713\"],\"m\":{\"x\":-0.50,\"y\":1e3},\"z\":\"ünïcode ✓ literal\"}", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Seal_ExplanationAsTheEntryCarriesIt_SameLineAsFromTheParsedElement()
    {
        var json = Encoding.UTF8.GetBytes(AuditVectors.PolicyExplanation);
        using var parsed = JsonDocument.Parse(json);

        // The parsed element written back by the serializer (its own escapes): the seal canonicalises both alike.
        var fromElement = AuditSeal.Seal(Unsigned("x") with { Explanation = JsonSerializer.SerializeToUtf8Bytes(parsed.RootElement) });
        var fromJson = AuditSeal.Seal(Unsigned("x") with { Explanation = json });

        Assert.Equal(fromElement.Line, fromJson.Line);
        Assert.Equal(fromElement.Record.Hash, fromJson.Record.Hash);

        // The sealed record keeps the explanation as the entry carried it; nothing parsed into it.
        Assert.Equal(json, fromJson.Record.Explanation.ToArray());
    }

    [Theory]
    [InlineData("""{"a":1""")]
    [InlineData("""{"a":1,"a":2}""")]
    [InlineData("not json")]
    public void Seal_EntryExplanationNotJsonOrDuplicated_Refused(string json)
    {
        Assert.Throws<ArgumentException>(() => AuditSeal.Seal(Unsigned("x") with { Explanation = Encoding.UTF8.GetBytes(json) }));
    }

    [Fact]
    public void Seal_LoneSurrogate_Refused()
    {
        Assert.Throws<ArgumentException>(() => AuditSeal.Seal(Unsigned("broken \ud800 text")));
    }

    [Fact]
    public void Seal_ExplanationWithDuplicateMember_Refused()
    {
        var unsigned = Unsigned("x") with { Explanation = """{"a":1,"a":2}"""u8.ToArray() };

        Assert.Throws<ArgumentException>(() => AuditSeal.Seal(unsigned));
    }

    private static AuditRecord Unsigned(string text) => AuditVectors.Record(7, text);
}
