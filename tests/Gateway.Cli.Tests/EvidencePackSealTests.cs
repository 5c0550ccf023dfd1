using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Cli.Evidence;

namespace Gateway.Cli.Tests;

/// <summary>
/// What <c>evidence verify</c> checks of a pack's proven lines beyond their proofs (<see cref="SealedPack"/>, signed with a
/// real receipt key): each line must be sealed into the hash chain (its content hashing to its own <c>hash</c>), so a line
/// edited in the journal and then proven by a gateway that signed over it is <c>record_altered</c>; and "outcome unknown"
/// is counted in chain order, whatever the order of records.jsonl; an approval pack's records are of its agent, tool and intent.
/// </summary>
public sealed class EvidencePackSealTests
{
    [Fact]
    public void Verify_UntouchedPack_VerifiesWithNoOutcomeUnknown()
    {
        var pack = DecisionAndOutcome();

        var result = pack.Verify();

        Assert.Empty(result.Problems);
        Assert.Equal(3, result.Records);
        Assert.Equal(0, result.OutcomeUnknown);
    }

    [Fact]
    public void Verify_ProvenLineEditedWithoutItsHash_IsRecordAltered()
    {
        var pack = DecisionAndOutcome();

        // The outcome's status_code rewritten in the journal, its hash left as it was; the checkpoint and proofs signed over it.
        pack.Edit(2, static r => r["status_code"] = 500);
        var result = pack.Verify();

        Assert.Contains(result.Problems, static p => p.StartsWith("record_altered:", StringComparison.Ordinal) && p.Contains("does not hash to its hash", StringComparison.Ordinal) && p.EndsWith("(proofs/gateway-0-2.json)", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_OutcomeLineBeforeItsDecision_CountsNoOutcomeUnknown()
    {
        var pack = DecisionAndOutcome();

        var result = pack.Verify(order: [2, 1, 3]);

        Assert.Empty(result.Problems);
        Assert.Equal(0, result.OutcomeUnknown);
        Assert.Empty(result.OutcomeUnknownRequestIds);
    }

    [Fact]
    public void Matches_ExplanationWithTwoIntentDigestMembers_IsRefused()
    {
        using var record = JsonDocument.Parse("""{"intent_digest":"d1"}""");
        using var stored = JsonDocument.Parse("""{"summary":"read a contact"}""");
        using var single = JsonDocument.Parse("""{"intent_digest":"d1","summary":"read a contact"}""");
        using var twice = JsonDocument.Parse("""{"intent_digest":"forged","summary":"read a contact","intent_digest":"d1"}""");

        Assert.True(EvidenceExplanation.Matches(record.RootElement, single.RootElement, stored.RootElement));
        Assert.False(EvidenceExplanation.Matches(record.RootElement, twice.RootElement, stored.RootElement));
        Assert.Throws<FormatException>(() => EvidenceExplanation.StoredForm(record.RootElement, twice.RootElement));
    }

    [Fact]
    public void Verify_ApprovalPackHoldingAnotherToolsRecord_IsRecordOutsideSelection()
    {
        // The exporter selects an approval's agent and tool, and its id or its intent digest: a record of another tool and intent was inserted.
        var pack = new SealedPack { Selection = new(StringComparer.Ordinal) { ["approval_id"] = "apr-1" } };
        pack.Append(new JsonObject { ["agent"] = "agent-1", ["tool"] = "crm.pay", ["request_id"] = "req-1", ["decision"] = "require_approval", ["intent_digest"] = "d1" });
        pack.Append(new JsonObject { ["agent"] = "agent-1", ["tool"] = "crm.pay", ["request_id"] = "req-2", ["decision"] = "allow", ["approval_id"] = "apr-1", ["intent_digest"] = "d9" });
        var genuine = pack.Verify();
        pack.Append(new JsonObject { ["agent"] = "agent-1", ["tool"] = "crm.read", ["request_id"] = "req-3", ["decision"] = "allow", ["intent_digest"] = "d2" });

        var inserted = pack.Verify();

        Assert.Empty(genuine.Problems);
        Assert.Equal("apr-1", genuine.Selection.GetProperty("approval_id").GetString());
        Assert.Contains(inserted.Problems, static p => p.StartsWith("record_outside_selection: replica gateway-0 seq 3 has agent agent-1 tool crm.read,", StringComparison.Ordinal));
        Assert.Contains(inserted.Problems, static p => p.StartsWith("record_outside_selection: replica gateway-0 seq 3 has intent_digest d2, replica gateway-0 seq 1 d1", StringComparison.Ordinal));
    }

    // A forwarded request's decision (no status yet) and its outcome, then a refusal answered at once.
    private static SealedPack DecisionAndOutcome()
    {
        var pack = new SealedPack();
        pack.Append(new JsonObject { ["agent"] = "agent-1", ["tool"] = "crm.read", ["request_id"] = "req-1", ["decision"] = "allow" });
        pack.Append(new JsonObject { ["agent"] = "agent-1", ["tool"] = "crm.read", ["request_id"] = "req-1", ["decision"] = "allow", ["status_code"] = 200, ["invoked"] = true });
        pack.Append(new JsonObject { ["agent"] = "agent-1", ["tool"] = "shell.exec", ["request_id"] = "req-2", ["decision"] = "block", ["status_code"] = 403 });
        return pack;
    }
}
