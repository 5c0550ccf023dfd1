using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// The reduced form an action runs in when controls and rules degrade it (decision-model §4): a warrant lifts a
/// require_approval and leaves a control's degrade standing, and two different forms in force block rather than
/// one silently replacing the other.
/// </summary>
public sealed class DegradeFormTests
{
    // Agent 'a' has no human owner: a gap, so a low-impact read degrades in the catalog's form.
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: bob }]
        catalog:
          - { name: tickets.search, kind: http, action_type: read, upstream: "https://tickets.example.com/api", degrade: { mode: redact } }
          - { name: wiki.read, kind: http, action_type: read, upstream: "https://wiki.example.com/api" }
        agents:
          - id: a
            security_owner: bob
            atf_level: L3
            permissions: [{ tool: tickets.search }, { tool: wiki.read }]
        rules:
        """;

    /// <summary>The approval comes from a rule, or from a gate beside the gaps (the controls then ask for it themselves).</summary>
    [Theory]
    [InlineData("rules:\n  - { id: tickets-approval, match: { tools: [tickets.search] }, effect: require_approval, reason: tickets_need_approval }")]
    [InlineData("approval_gates:\n  - { id: tickets-gate, match: { tools: [tickets.search] }, approvers: [bob] }\nrules:")]
    public void WithWarrant_ControlsGapAndAnApprovalAsked_KeepsTheControlsDegrade(string withApproval)
    {
        var tenant = Load(Tenant.Replace("rules:", withApproval, StringComparison.Ordinal));

        var decision = Evaluate(tenant, "tickets.search");
        Assert.Equal(DecisionKind.RequireApproval, decision.Kind);

        var warranted = decision.WithWarrant(decision.IntentDigest);
        Assert.Equal(DecisionKind.Degrade, warranted.Kind);
        Assert.Equal(DegradeMode.Redact, warranted.Degrade!.Mode);
    }

    [Fact]
    public void WithWarrant_NoControlGapAndRuleRequiresApproval_AllowsAndLogs()
    {
        var tenant = Load(Tenant.Replace("security_owner: bob", "security_owner: bob\n    human_owner: hugo", StringComparison.Ordinal) + "\n" + """
              - { id: tickets-approval, match: { tools: [tickets.search] }, effect: require_approval, reason: tickets_need_approval }
            """);

        var warranted = Evaluate(tenant, "tickets.search") is var decision ? decision.WithWarrant(decision.IntentDigest) : null;

        Assert.Equal(DecisionKind.AllowAndLog, warranted!.Kind);
        Assert.Null(warranted.Degrade);
    }

    [Fact]
    public void Evaluate_RuleNamesAnotherFormThanTheControlsDegrade_Blocks()
    {
        var tenant = Load(Tenant + "\n" + """
              - { id: tickets-dry, match: { tools: [tickets.search] }, effect: degrade, degrade: dry_run, reason: tickets_dry_run }
            """);

        var decision = Evaluate(tenant, "tickets.search");

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Contains(decision.Explanation.RuleTriggers, t => t.Rule == "tickets-dry" && t.ReasonCode == "degrade_forms_conflict");
    }

    [Fact]
    public void Evaluate_RuleNamesTheControlsForm_DegradesInIt()
    {
        var tenant = Load(Tenant + "\n" + """
              - { id: tickets-redact, match: { tools: [tickets.search] }, effect: degrade, degrade: redact, reason: tickets_redact }
              - { id: tickets-again, match: { tools: [tickets.search] }, effect: degrade, reason: tickets_catalog_form }
            """);

        var decision = Evaluate(tenant, "tickets.search");

        Assert.Equal(DecisionKind.Degrade, decision.Kind);
        Assert.Equal(DegradeMode.Redact, decision.Degrade!.Mode);
    }

    [Fact]
    public void Evaluate_TwoRulesNameDifferentForms_Blocks()
    {
        var tenant = Load(Tenant.Replace("security_owner: bob", "security_owner: bob\n    human_owner: hugo", StringComparison.Ordinal) + "\n" + """
              - { id: wiki-mask, match: { tools: [wiki.read] }, effect: degrade, degrade: mask, reason: wiki_mask }
              - { id: wiki-catalog, match: { tools: [wiki.read] }, effect: degrade, reason: wiki_catalog_form }
            """);

        var decision = Evaluate(tenant, "wiki.read");

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Contains(decision.Explanation.RuleTriggers, t => t.Rule == "wiki-catalog" && t.ReasonCode == "degrade_forms_conflict");
    }

    [Fact]
    public void Evaluate_OnlyARuleDegrades_RunsInTheRulesForm()
    {
        var tenant = Load(Tenant.Replace("security_owner: bob", "security_owner: bob\n    human_owner: hugo", StringComparison.Ordinal) + "\n" + """
              - { id: tickets-dry, match: { tools: [tickets.search] }, effect: degrade, degrade: dry_run, reason: tickets_dry_run }
            """);

        var decision = Evaluate(tenant, "tickets.search");

        Assert.Equal(DecisionKind.Degrade, decision.Kind);
        Assert.Equal(DegradeMode.DryRun, decision.Degrade!.Mode);
    }

    private static TenantPolicy Load(string yaml)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());
        Assert.Empty(result.Errors);
        return result.Tenant!;
    }

    private static Decision Evaluate(TenantPolicy tenant, string tool) =>
        DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("t1", "w", "a"), new ActionRequest { Tool = tool });
}
