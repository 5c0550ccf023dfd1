using System.Text;
using System.Text.Json;
using Gateway.Policy;
using Gateway.Policy.AuditChain;
using Xunit.Abstractions;

namespace Gateway.Audit.Tests;

/// <summary>The one-pass seal writes exactly the canonical form that verification recomputes from the stored line.</summary>
public sealed class AuditJournalSealTests(ITestOutputHelper output)
{
    public static TheoryData<string> Texts => [.. AuditVectors.Texts];

    [Theory]
    [MemberData(nameof(Texts))]
    public void Seal_AnyText_LineIsCanonicalAndHashesToItsHash(string text)
    {
        var sealedRecord = AuditSeal.Seal(Unsigned(text));
        var (record, line) = (sealedRecord.Record, Encoding.UTF8.GetString(sealedRecord.Line));

        using var stored = JsonDocument.Parse(Encoding.UTF8.GetBytes(line));
        Assert.Equal(record.Hash, stored.RootElement.GetProperty("hash").GetString());
        Assert.Equal(record.Hash, AuditCanonicalJson.ComputeHash(stored.RootElement));
        Assert.Equal(AuditCanonicalJson.Canonicalize(stored.RootElement), line);
        Assert.Equal(text, stored.RootElement.GetProperty("tool").GetString());
        using var explanation = JsonDocument.Parse(sealedRecord.Explanation!.Json);
        Assert.Equal(text, explanation.RootElement.GetProperty("b")[1].GetProperty(text).GetString());
        Assert.Equal(sealedRecord.Explanation.Digest, stored.RootElement.GetProperty("explanation_digest").GetString());
        Assert.Equal(AuditExplanationLine.Digest(explanation.RootElement), sealedRecord.Explanation.Digest);
    }

    [Fact]
    public void Seal_AllMembers_RoundTripThroughTheStoredLine()
    {
        var (record, line) = AuditVectors.SealToText(Unsigned("x") with { Simulated = true, LatencyMs = 0.1 + 0.2, UpstreamStatus = 502, ApprovalId = "ap-1", Actor = "erin", SecretSlot = "next", ActorChain = Chain, Person = "erin@example.com", PersonIssuer = "https://login.example.com" });

        using var stored = JsonDocument.Parse(line);
        var root = stored.RootElement;
        Assert.Equal(0.1 + 0.2, root.GetProperty("latency_ms").GetDouble());
        Assert.Equal(502, root.GetProperty("upstream_status").GetInt32());
        Assert.True(root.GetProperty("simulated").GetBoolean());
        Assert.Equal("erin", root.GetProperty("actor").GetString());
        Assert.Equal("next", root.GetProperty("secret_slot").GetString());
        Assert.Equal("erin@example.com", root.GetProperty("person").GetString());
        Assert.Equal("https://login.example.com", root.GetProperty("person_issuer").GetString());
        Assert.Equal("""[{"kind":"person","id":"ada@example.com"},{"kind":"agent","id":"a"},{"kind":"delegate","id":"dlg-1","name":"helper","run_id":"run-7"}]""",
            JsonSerializer.Serialize(root.GetProperty("actor_chain").EnumerateArray().Select(l => new { kind = l.GetProperty("kind").GetString(), id = l.GetProperty("id").GetString(), name = l.TryGetProperty("name", out var n) ? n.GetString() : null, run_id = l.TryGetProperty("run_id", out var r) ? r.GetString() : null }), new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
        Assert.Equal("replica-1", root.GetProperty("replica").GetString());
        Assert.Equal(record.Time, root.GetProperty("time").GetDateTimeOffset());
        Assert.Equal([1, 2], new[] { root.GetProperty("redactions").GetProperty("email").GetInt32(), root.GetProperty("redactions").GetProperty("pii").GetInt32() });
        Assert.Equal(AuditCanonicalJson.Canonicalize(root), line);
    }

    [Fact]
    public void Seal_ActorChain_IsWrittenInCanonicalOrderBetweenActorAndAgent()
    {
        var (_, line) = AuditVectors.SealToText(Unsigned("x") with { Actor = "erin", ActorChain = Chain });

        using var stored = JsonDocument.Parse(line);
        var names = stored.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(names.IndexOf("actor") + 1, names.IndexOf("actor_chain"));
        Assert.Equal(["id", "kind", "name", "run_id"], stored.RootElement.GetProperty("actor_chain")[2].EnumerateObject().Select(p => p.Name));
        Assert.Equal(AuditCanonicalJson.Canonicalize(stored.RootElement), line);
        Assert.Equal(stored.RootElement.GetProperty("hash").GetString(), AuditCanonicalJson.ComputeHash(stored.RootElement));
    }

    [Fact]
    public void Seal_RunMembers_AreWrittenCanonicallyWithTheEventsDetailSorted()
    {
        using var detail = JsonDocument.Parse("""{"z":"é\u0041","a":[3,{"y":1,"b":true}]}""");
        var (_, line) = AuditVectors.SealToText(Unsigned("x") with
        {
            RunId = "run-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            RunEndedBy = "admin:ops",
            RunEvent = new AuditRunEvent { Type = "step", Name = "plan", Detail = detail.RootElement.Clone(), By = "agent:a" },
        });

        using var stored = JsonDocument.Parse(line);
        var root = stored.RootElement;
        var names = root.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal("run-0f1e2d3c4b5a69788796a5b4c3d2e1f0", root.GetProperty("run_id").GetString());
        Assert.Equal("admin:ops", root.GetProperty("run_ended_by").GetString());
        Assert.Equal("""{"by":"agent:a","detail":{"a":[3,{"b":true,"y":1}],"z":"éA"},"name":"plan","type":"step"}""", root.GetProperty("run_event").GetRawText());
        Assert.Equal(AuditCanonicalJson.Canonicalize(root), line);
        Assert.Equal(root.GetProperty("hash").GetString(), AuditCanonicalJson.ComputeHash(root));
    }

    [Fact]
    public void Seal_A2aTask_IsWrittenCanonicallyFirstAndHashesAsTheLine()
    {
        var (_, line) = AuditVectors.SealToText(Unsigned("x") with
        {
            Decision = "a2a_task_state",
            Actor = "ops",
            A2aTask = new AuditA2aTask { State = "input-required", Id = "task-7" },
        });

        using var stored = JsonDocument.Parse(line);
        var root = stored.RootElement;
        var names = root.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal("a2a_task", names[0]);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal("""{"id":"task-7","state":"input-required"}""", root.GetProperty("a2a_task").GetRawText());
        Assert.Equal(AuditCanonicalJson.Canonicalize(root), line);
        Assert.Equal(root.GetProperty("hash").GetString(), AuditCanonicalJson.ComputeHash(root));
    }

    [Fact]
    public void Seal_NullOptionalMembers_AreLeftOut()
    {
        var (_, line) = AuditVectors.SealToText(new AuditRecord { Seq = 1, Time = DateTimeOffset.UnixEpoch, Tenant = "t", Agent = "a", Decision = "block", PrevHash = AuditCanonicalJson.GenesisHash, Replica = "r" });

        using var stored = JsonDocument.Parse(line);
        Assert.Equal(["agent", "decision", "hash", "prev_hash", "replica", "seq", "tenant", "time"], stored.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(stored.RootElement.GetProperty("hash").GetString(), AuditCanonicalJson.ComputeHash(stored.RootElement));
    }

    [Fact]
    public void Seal_RefusalNotInvoked_KeepsItsStatusAndInvokedFalse()
    {
        var (_, line) = AuditVectors.SealToText(new AuditRecord { Seq = 1, Time = DateTimeOffset.UnixEpoch, Tenant = "t", Agent = "a", Decision = "block", StatusCode = 403, PrevHash = AuditCanonicalJson.GenesisHash, Replica = "r" });

        using var stored = JsonDocument.Parse(line);
        Assert.Equal(403, stored.RootElement.GetProperty("status_code").GetInt32());
        Assert.False(stored.RootElement.GetProperty("invoked").GetBoolean());
    }

    [Fact]
    public void Seal_ExplanationWithLiteralUtf8AndEscapes_LineIsCanonical()
    {
        var explanation = Encoding.UTF8.GetBytes("{\"z\":\"ünïcode ✓ literal\",\"a\":[\"esc\\u00e9\\n\",\"\\u2713\"],\"m\":{\"y\":1e3,\"x\":-0.50}}");

        var sealedRecord = AuditSeal.Seal(Unsigned("x") with { Explanation = explanation });

        var line = Encoding.UTF8.GetString(sealedRecord.Line);
        using var stored = JsonDocument.Parse(line);
        Assert.Equal(AuditCanonicalJson.Canonicalize(stored.RootElement), line);
        Assert.Equal(sealedRecord.Record.Hash, AuditCanonicalJson.ComputeHash(stored.RootElement));
        Assert.Equal("{\"a\":[\"esc\u00e9\\n\",\"\u2713\"],\"m\":{\"x\":-0.50,\"y\":1e3},\"z\":\"ünïcode ✓ literal\"}", Encoding.UTF8.GetString(sealedRecord.Explanation!.Json));
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

    [Fact]
    public void Seal_TypicalAllowedDecision_LineIsAtLeastFourTimesSmallerThanWithTheExplanationInline()
    {
        var path = Enumerable.Range(0, 11).Select(i => new Dictionary<string, object?>
        {
            ["control"] = $"control_{i:00}_" + new string('c', 12),
            ["outcome"] = "pass",
            ["reason"] = $"The control {i} checked the agent's registration, the tool's data classes and the provenance of the arguments — détails ✓",
            ["evidence"] = new Dictionary<string, object?> { ["rule"] = $"rule-{i}", ["matched"] = i % 2 == 0, ["score"] = i * 0.125 },
        }).ToArray();
        var explanation = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["policy_digest"] = new string('p', 64),
            ["intent_digest"] = new string('i', 64),
            ["decision_path"] = path,
            ["rule_triggers"] = Array.Empty<object>(),
            ["open_risks"] = Array.Empty<object>(),
            ["what_would_change"] = Array.Empty<object>(),
        });
        var unsigned = Unsigned("crm.contacts.read") with { Decision = "allow", FailingControls = null, Explanation = explanation, PolicyDigest = new string('p', 64), IntentDigest = new string('i', 64) };

        var sealedRecord = AuditSeal.Seal(unsigned);

        // The same record as it was sealed before digests: the explanation inline, canonical.
        using var stored = JsonDocument.Parse(sealedRecord.Line);
        var inline = System.Text.Json.Nodes.JsonNode.Parse(sealedRecord.Line)!.AsObject();
        inline.Remove("explanation_digest");
        inline.Remove("hash");
        using var parsed = JsonDocument.Parse(explanation);
        inline["explanation"] = System.Text.Json.Nodes.JsonNode.Parse(AuditCanonicalJson.Canonicalize(parsed.RootElement));
        using var inlineDocument = JsonDocument.Parse(inline.ToJsonString());
        var before = Encoding.UTF8.GetByteCount(AuditCanonicalJson.Canonicalize(inlineDocument.RootElement)) + 74;
        var after = sealedRecord.Line.Length;

        output.WriteLine($"record line of a typical allowed decision: {before} bytes with the explanation inline, {after} bytes by digest ({(double)before / after:0.0}x smaller)");
        Assert.True(before >= 3000, $"inline record of {before} bytes");
        Assert.True(before >= 4 * after, $"record line {before} bytes inline, {after} bytes by digest ({(double)before / after:0.0}x)");
    }

    private static AuditRecord Unsigned(string text) => AuditVectors.Record(7, text);

    private static readonly IReadOnlyList<ActorLink> Chain =
    [
        new(ActorKind.Person, "ada@example.com"),
        new(ActorKind.Agent, "a"),
        new(ActorKind.Delegate, "dlg-1") { Name = "helper", RunId = "run-7" },
    ];
}
