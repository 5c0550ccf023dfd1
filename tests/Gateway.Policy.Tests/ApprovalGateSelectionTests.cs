using System.Text.Json;
using Gateway.Policy.Bundles;
using Gateway.Policy.Serialization;

namespace Gateway.Policy.Tests;

/// <summary>When several active gates cover an action, the most demanding sets its approvers, whatever the file order, but never one the request's declared classes alone matched.</summary>
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

    /// <summary>A gate or rule that matches only through the request's declared classes never picks who approves.</summary>
    private const string DeclaringTenant = """
        tenant: t1
        workspaces: [w]
        environment: prod
        approvers: [{ id: cfo }, { id: comms }, { id: comms2 }, { id: ciso }, { id: ops }]
        catalog:
          - { name: refund, kind: http, action_type: financial, target_system: payments, data_classes: [confidential], upstream: "https://pay.example.com/api" }
          - { name: export, kind: http, action_type: read, target_system: crm, upstream: "https://crm.example.com/api" }
          - { name: deploy, kind: http, action_type: code_modification, target_system: git, upstream: "https://git.example.com/api" }
          - { name: lookup, kind: http, action_type: read, target_system: crm, upstream: "https://crm.example.com/api" }
        agents:
          - { id: a, human_owner: hugo, security_owner: ops, atf_level: L4, permissions: [{ tool: refund }, { tool: export }, { tool: deploy }, { tool: lookup }] }
        approval_gates:
          - { id: comms-public, match: { data_classes: [public] }, approvers: [comms], warrant_ttl: 10m }
          - { id: pii-gate, match: { data_classes: [pii] }, approvers: [comms, comms2], approvals_required: 2, warrant_ttl: 5m }
          - { id: secrets, match: { data_classes: [top_secret] }, approvers: [ciso] }
          - { id: payments, match: { action_types: [financial], target_systems: [payments] }, approvers: [cfo], warrant_ttl: 15m }
        data_flows:
          - { agent: a, tool: refund, data_classes: [confidential, pii] }
          - { agent: a, tool: lookup, data_classes: [top_secret] }
        rules:
          - { id: export-needs-cfo, match: { tools: [export] }, effect: require_approval, approvers: [cfo], reason: export_review }
          - { id: internal-needs-comms, match: { data_classes: [internal] }, effect: require_approval, approvers: [comms, comms2], approvals_required: 2, reason: internal_review }
        """;

    /// <summary>A gate with a short warrant, and a rule on the same tool asking for more approvals than it does.</summary>
    private const string RuleTenant = """
        tenant: t1
        workspaces: [w]
        environment: prod
        approvers: [{ id: alice }, { id: bob }]
        catalog:
          - { name: refund, kind: http, action_type: financial, target_system: payments, upstream: "https://pay.example.com/api" }
        agents:
          - { id: a, human_owner: hugo, security_owner: alice, atf_level: L4, permissions: [{ tool: refund }] }
        approval_gates:
          - { id: payments, match: { action_types: [financial] }, approvers: [alice, bob], approvals_required: 1, warrant_ttl: 1m }
        rules:
          - { id: refund-two, match: { tools: [refund] }, effect: require_approval, approvers: [alice, bob], approvals_required: 2, reason: refund_review }
        """;

    [Fact]
    public void Evaluate_RuleNeedsMoreApprovalsThanTheGate_KeepsTheGatesShorterWarrantTtl()
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", RuleTenant, Path.GetTempPath());
        Assert.Empty(result.Errors);

        var decision = DecisionEngine.Instance.Evaluate(result.Tenant!, new AuthenticatedCaller("t1", "w", "a"), new ActionRequest { Tool = "refund" });

        Assert.Equal(DecisionKind.RequireApproval, decision.Kind);
        Assert.Equal(2, decision.ApprovalsRequired);
        Assert.Equal(TimeSpan.FromMinutes(1), decision.WarrantTtl);
    }

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

    [Theory]
    [InlineData("")]
    [InlineData("public")]
    public void Evaluate_RequestDeclaresAClassAnotherGateMatches_TheCatalogGatesApproversStillDecide(string declared)
    {
        var decision = EvaluateDeclaring("refund", declared);

        Assert.Equal(DecisionKind.RequireApproval, decision.Kind);
        Assert.Equal(["cfo"], decision.Approvers);
        Assert.Equal(1, decision.ApprovalsRequired);
        Assert.Equal(TimeSpan.FromMinutes(15), decision.WarrantTtl);
        Assert.Contains(decision.Explanation.RuleTriggers, t => t.ReasonCode == "approval_gate" && t.Message!.Contains("'payments'", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_RequestDeclaresAClassAMoreDemandingGateMatches_TheCatalogGatesApproversStillDecide()
    {
        var decision = EvaluateDeclaring("refund", "pii");

        Assert.Equal(DecisionKind.RequireApproval, decision.Kind);
        Assert.Equal(["cfo"], decision.Approvers);
        Assert.Equal(1, decision.ApprovalsRequired);
    }

    [Theory]
    [InlineData("")]
    [InlineData("public")]
    public void Evaluate_RequestDeclaresAClassAGateMatches_TheRequireApprovalRulesApproversStillDecide(string declared)
    {
        var decision = EvaluateDeclaring("export", declared);

        Assert.Equal(DecisionKind.RequireApproval, decision.Kind);
        Assert.Equal(["cfo"], decision.Approvers);
        Assert.Contains(decision.Explanation.RuleTriggers, t => t.Rule == "export-needs-cfo");
    }

    [Fact]
    public void Evaluate_RequestDeclaresAClassARequireApprovalRuleMatchesThroughIt_TheCatalogGatesApproversStillDecide()
    {
        var decision = EvaluateDeclaring("refund", "internal");

        Assert.Equal(DecisionKind.RequireApproval, decision.Kind);
        Assert.Equal(["cfo"], decision.Approvers);
        Assert.Equal(1, decision.ApprovalsRequired);
        Assert.Contains(decision.Explanation.RuleTriggers, t => t.Rule == "internal-needs-comms");
    }

    [Theory]
    [InlineData("")]
    [InlineData("public")]
    public void Evaluate_RequestDeclaresAClassOnlyAGateMatches_AnActionThatNeedsAGateStillBlocks(string declared)
    {
        var decision = EvaluateDeclaring("deploy", declared);

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Contains(decision.Explanation.RuleTriggers, t => t.ReasonCode == "no_approval_gate");
        Assert.Empty(decision.Approvers);
    }

    [Fact]
    public void Evaluate_RequestDeclaresAClassWhoseGateAloneNamesApprovers_ThatGatesApproversDecide()
    {
        var decision = EvaluateDeclaring("lookup", "top_secret");

        Assert.Equal(DecisionKind.RequireApproval, decision.Kind);
        Assert.Equal(["ciso"], decision.Approvers);
        Assert.Contains(decision.Explanation.RuleTriggers, t => t.ReasonCode == "approval_gate" && t.Message!.Contains("'secrets'", StringComparison.Ordinal));
    }

    private static Decision EvaluateDeclaring(string tool, string declared)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", DeclaringTenant, Path.GetTempPath());
        Assert.Empty(result.Errors);
        var classes = declared.Length == 0 ? "[]" : $"[\"{declared}\"]";
        var request = JsonSerializer.Deserialize($$"""{"tool":"{{tool}}","data_classes":{{classes}}}""", PolicyJsonContext.Default.ActionRequest)!;
        return DecisionEngine.Instance.Evaluate(result.Tenant!, new AuthenticatedCaller("t1", "w", "a"), request);
    }

    private static Decision Evaluate(string tool)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());
        Assert.Empty(result.Errors);
        return DecisionEngine.Instance.Evaluate(result.Tenant!, new AuthenticatedCaller("t1", "w", "a"), new ActionRequest { Tool = tool });
    }
}
