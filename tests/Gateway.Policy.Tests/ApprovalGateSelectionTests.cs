using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>When several active approval gates cover an action, the most demanding one sets its approvers, whatever the file order.</summary>
public sealed class ApprovalGateSelectionTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        environment: prod
        approvers: [{ id: ops }, { id: cfo }, { id: dpo }]
        catalog:
          - { name: refund, kind: http, action_type: financial, target_system: payments, data_classes: [pii], upstream: "https://pay.example.com/api" }
          - { name: payout, kind: http, action_type: financial, target_system: payments, upstream: "https://pay.example.com/api" }
        agents:
          - { id: a, human_owner: hugo, security_owner: ops, atf_level: L4, permissions: [{ tool: refund }, { tool: payout }] }
        approval_gates:
          - { id: payments, match: { action_types: [financial] }, approvers: [ops] }
          - { id: payments-pii-prod, match: { action_types: [financial], data_classes: [pii], environments: [prod] }, approvers: [cfo, dpo], approvals_required: 2, warrant_ttl: 5m }
          - { id: payments-short, match: { action_types: [financial], target_systems: [payments] }, approvers: [ops], warrant_ttl: 1m }
        """;

    [Fact]
    public void Evaluate_ALaterGateNeedsMoreApprovals_ItsApproversDecide()
    {
        var decision = Evaluate("refund");

        Assert.Equal(DecisionKind.RequireApproval, decision.Kind);
        Assert.Equal(2, decision.ApprovalsRequired);
        Assert.Equal(["cfo", "dpo"], decision.Approvers);
        Assert.Equal(TimeSpan.FromMinutes(5), decision.WarrantTtl);
    }

    [Fact]
    public void Evaluate_GatesNeedTheSameApprovals_TheShorterWarrantWins()
    {
        var decision = Evaluate("payout");

        Assert.Equal(1, decision.ApprovalsRequired);
        Assert.Equal(TimeSpan.FromMinutes(1), decision.WarrantTtl);
        Assert.Contains(decision.Explanation.RuleTriggers, t => t.ReasonCode == "approval_gate" && t.Message!.Contains("payments-short", StringComparison.Ordinal));
    }

    private static Decision Evaluate(string tool)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());
        Assert.Empty(result.Errors);
        return DecisionEngine.Instance.Evaluate(result.Tenant!, new AuthenticatedCaller("t1", "w", "a"), new ActionRequest { Tool = tool });
    }
}
