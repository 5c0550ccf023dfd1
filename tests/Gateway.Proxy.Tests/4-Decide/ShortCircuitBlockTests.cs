using Gateway.Policy;
using Gateway.Proxy.Decide;

namespace Gateway.Proxy.Tests.Decide;

/// <summary>A block imposed after the policy decided keeps none of the overridden decision's obligations or flags.</summary>
public sealed class ShortCircuitBlockTests
{
    private static readonly ControlResult Suspended = new()
    {
        Control = ControlId.Lifecycle,
        Outcome = ControlOutcome.Fail,
        Severity = Severity.Critical,
        MissingEvidence = "suspended",
        Remedy = "resume",
    };

    [Fact]
    public void At_RequireApprovalDecision_DropsApproversAndApprovalsRequired()
    {
        var decided = Decided(DecisionKind.RequireApproval) with { Approvers = ["alice", "bob"], ApprovalsRequired = 2 };
        decided = decided with { Explanation = decided.Explanation with { Approvers = ["alice", "bob"], ApprovalsRequired = 2 } };

        var blocked = ShortCircuitBlock.At(decided, Suspended);

        Assert.Equal(DecisionKind.Block, blocked.Kind);
        Assert.Empty(blocked.Approvers);
        Assert.Equal(0, blocked.ApprovalsRequired);
        Assert.Null(blocked.Explanation.Approvers);
        Assert.Equal(0, blocked.Explanation.ApprovalsRequired);
    }

    [Fact]
    public void At_DegradedDecision_DropsTheDegrade()
    {
        var decided = Decided(DecisionKind.Degrade) with { Degrade = DegradeSpec.DefaultReadOnly };
        decided = decided with { Explanation = decided.Explanation with { DegradeMode = DegradeMode.ReadOnly } };

        var blocked = ShortCircuitBlock.At(decided, Suspended);

        Assert.Equal(DecisionKind.Block, blocked.Kind);
        Assert.Null(blocked.Degrade);
        Assert.Null(blocked.Explanation.DegradeMode);
    }

    [Fact]
    public void At_WarrantedDecision_ClearsWarrantApplied()
    {
        var decided = Decided(DecisionKind.AllowAndLog) with { WarrantApplied = true };
        decided = decided with { Explanation = decided.Explanation with { WarrantApplied = true } };

        var blocked = ShortCircuitBlock.At(decided, Suspended);

        Assert.Equal(DecisionKind.Block, blocked.Kind);
        Assert.False(blocked.WarrantApplied);
        Assert.False(blocked.Explanation.WarrantApplied);
    }

    private static Decision Decided(DecisionKind kind) => new()
    {
        Kind = kind,
        WouldBe = kind,
        Explanation = new Explanation
        {
            PolicyDigest = "sha256:policy",
            IntentDigest = "sha256:intent",
            DecisionPath = [Suspended with { Control = ControlId.AgentRegistration, Outcome = ControlOutcome.Pass, Severity = Severity.None, MissingEvidence = null, Remedy = null }],
            RuleTriggers = [],
            OpenRisks = [],
            WhatWouldChange = [],
        },
    };
}
