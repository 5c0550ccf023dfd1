using System.Text.Json;
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

    // A write on an http entry and a writeback on a context store, by an agent without gaps, under the docs' rule in #FORM#.
    private const string Writes = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: bob }]
        catalog:
          - { name: crm.update_contact, kind: http, action_type: write, upstream: "https://crm.example.com/api" }
          - { name: notes, kind: context, action_type: context, upstream: "https://notes.example.com/store", writeback: { max_bytes: 4096 } }
        agents:
          - id: a
            human_owner: hugo
            security_owner: bob
            atf_level: L3
            permissions: [{ tool: crm.update_contact }, { tool: notes, action_types: [context, write] }]
        rules:
          - id: unattributed-writes
            match: { tools: [crm.*], action_types: [write], not: { args: [{ path: $.by, glob: "*@example.com" }] } }
            effect: degrade
            degrade: #FORM#
            reason: unattributed_write
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

    /// <summary>The docs' <c>unattributed-writes</c> rule in mask: masking a response reduces nothing a write sends, so it blocks.</summary>
    [Theory]
    [InlineData("mask")]
    [InlineData("redact")]
    public void Evaluate_ResponseOnlyRuleFormOnAWrite_BlocksRatherThanForwardTheWrite(string form)
    {
        var tenant = Load(Writes.Replace("#FORM#", form, StringComparison.Ordinal));

        var decision = Write(tenant, """{"id":"c-1","by":"mallory@evil.test"}""");

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.False(decision.MayExecute);
        Assert.Null(decision.Degrade);
        var trigger = Assert.Single(decision.Explanation.RuleTriggers, t => t.ReasonCode == "degrade_form_response_only");
        Assert.Equal("unattributed-writes", trigger.Rule);
        Assert.Contains($"degrades to {form}", trigger.Message, StringComparison.Ordinal);
        Assert.Contains(decision.Explanation.WhatWouldChange, r => r.Contains("rule 'unattributed-writes'", StringComparison.Ordinal) && r.Contains("read_only", StringComparison.Ordinal));
        Assert.Equal(DecisionKind.AllowAndLog, Write(tenant, """{"id":"c-1","by":"ann@example.com"}""").Kind);
    }

    /// <summary>A warrant lifting the approval of a write a mask rule also degrades would forward the write whole: it blocks.</summary>
    [Fact]
    public void Evaluate_MaskRuleOnAWriteThatAlsoNeedsApproval_BlocksAndNoWarrantLiftsIt()
    {
        var tenant = Load(Writes.Replace("#FORM#", "mask", StringComparison.Ordinal) + "\n" + """
              - { id: crm-approval, match: { tools: [crm.update_contact] }, effect: require_approval, approvers: [bob], reason: crm_needs_approval }
            """);

        var decision = Write(tenant, """{"id":"c-1"}""");

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Equal(DecisionKind.Block, decision.WithWarrant(decision.IntentDigest).Kind);
    }

    /// <summary>default_verdict degrade in the catalog's form: an entry's redact on a write blocks the same way, naming default_verdict.</summary>
    [Fact]
    public void Evaluate_DefaultVerdictDegradeOnAWriteWhoseEntryRedacts_Blocks()
    {
        var tenant = Load(Writes.Replace("#FORM#", "dry_run", StringComparison.Ordinal).Replace("workspaces: [w]", "workspaces: [w]\ndefault_verdict: degrade", StringComparison.Ordinal)
            .Replace("action_type: write, upstream", "action_type: write, degrade: { mode: redact }, upstream", StringComparison.Ordinal));

        var decision = Write(tenant, """{"id":"c-1","by":"ann@example.com"}""");

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Contains(decision.Explanation.RuleTriggers, t => t.Rule == "default_verdict" && t.ReasonCode == "degrade_form_response_only");
    }

    /// <summary>Forms that reduce what a write sends, and a context store's writeback (written redacted), still degrade.</summary>
    [Theory]
    [InlineData("read_only", "crm.update_contact", DegradeMode.ReadOnly)]
    [InlineData("dry_run", "crm.update_contact", DegradeMode.DryRun)]
    [InlineData("mask", "notes", DegradeMode.Mask)]
    public void Evaluate_FormThatReducesTheWrite_Degrades(string form, string tool, DegradeMode mode)
    {
        var tenant = Load(Writes.Replace("#FORM#", form, StringComparison.Ordinal).Replace("tools: [crm.*]", "tools: [crm.*, notes]", StringComparison.Ordinal));

        var decision = Write(tenant, """{"id":"c-1","name":"n","content":"c"}""", tool);

        Assert.Equal(DecisionKind.Degrade, decision.Kind);
        Assert.Equal(mode, decision.Degrade!.Mode);
    }

    private static TenantPolicy Load(string yaml)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());
        Assert.Empty(result.Errors);
        return result.Tenant!;
    }

    private static Decision Write(TenantPolicy tenant, string args, string tool = "crm.update_contact") =>
        DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("t1", "w", "a"), new ActionRequest { Tool = tool, Args = JsonDocument.Parse(args).RootElement }.WithActionType(ActionType.Write));

    private static Decision Evaluate(TenantPolicy tenant, string tool) =>
        DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("t1", "w", "a"), new ActionRequest { Tool = tool });
}
