using System.Text.Json;
using Gateway.Oversight.Approvals;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>Which approval obligations an approval lifts: its own, or one asking no more (fewer reasons, more people who may approve).</summary>
public sealed class ApprovalObligationTests
{
    private static readonly ApprovalObligation Approved = Obligation(["alice", "bob"], 2, ["r1", "control:approval_gate"]);

    [Fact]
    public void Covers_TheSameObligation_IsTrue() => Assert.True(Approved.Covers(Obligation(["bob", "alice"], 2, ["control:approval_gate", "r1"])));

    [Fact]
    public void Covers_AskingLess_IsTrue()
    {
        Assert.True(Approved.Covers(Obligation(["alice", "bob"], 1, ["r1"])));
        Assert.True(Approved.Covers(Obligation(["alice", "bob", "carol"], 2, ["r1"])));
    }

    [Theory]
    [InlineData("bob,sec-team", 2, "r1")]
    [InlineData("alice", 1, "r1")]
    [InlineData("alice,bob", 3, "r1")]
    [InlineData("alice,bob", 2, "r2")]
    [InlineData("alice,bob", 2, "r1,run_limits.loop")]
    public void Covers_OtherPeopleMoreApprovalsOrAnotherRule_IsFalse(string approvers, int required, string reasons) =>
        Assert.False(Approved.Covers(Obligation(approvers.Split(','), required, reasons.Split(','))));

    [Fact]
    public void Of_ApprovalWithoutRuleTriggers_ChecksItsApproversOnly()
    {
        var kept = ApprovalObligation.Of(Request("""{"policy":"allow"}"""));

        Assert.Null(kept.Reasons);
        Assert.True(kept.Covers(Obligation(["alice", "bob"], 1, ["r9"])));
        Assert.False(kept.Covers(Obligation(["alice"], 1, ["r9"])));
    }

    [Fact]
    public void Of_ApprovalsExplanation_ReadsTheRulesThatAskedForApproval()
    {
        var kept = ApprovalObligation.Of(Request("""
            {"rule_triggers":[{"rule":"r1","reason_code":"x","effect":"require_approval"},{"rule":"r2","reason_code":"y","effect":"degrade"},
             {"rule":"control:approval_gate","reason_code":"approval_gate","effect":"require_approval"}]}
            """));

        Assert.Equal(["r1", "control:approval_gate"], kept.Reasons);
    }

    private static ApprovalObligation Obligation(IReadOnlyList<string> approvers, int required, IReadOnlyList<string> reasons) =>
        new() { Approvers = approvers, ApprovalsRequired = required, Reasons = reasons };

    private static ApprovalRequest Request(string explanation) => new()
    {
        Id = "apr_0123456789abcdefghijkl",
        Tenant = "t",
        Agent = "a",
        Tool = "payments.refund",
        IntentDigest = "i",
        PolicyDigest = "p",
        Status = ApprovalStatus.Approved,
        Approvers = ["alice", "bob"],
        ApprovalsRequired = 1,
        Approvals = ["alice"],
        CreatedAt = DateTimeOffset.UnixEpoch,
        ExpiresAt = DateTimeOffset.UnixEpoch,
        WarrantTtlSeconds = 60,
        Explanation = JsonDocument.Parse(explanation).RootElement.Clone(),
    };
}
