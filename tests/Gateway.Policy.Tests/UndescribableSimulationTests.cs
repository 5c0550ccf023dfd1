using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// A tool the catalog lacks, under both kinds of shadow mode: a shadow tenant opens no incident and its explanation says
/// what would have happened; a request's <c>simulate</c> reports exactly the decision the real call would get. Its
/// decision path runs the agent's own controls as every other decision does.
/// </summary>
public sealed class UndescribableSimulationTests
{
    private static readonly ActionRequest UnknownTool = new() { Tool = "t.nope" };

    private const string EmptyOwnerTenant = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: alice }]
        catalog:
          - { name: fetch, kind: http, action_type: read, target_system: crm, upstream: "https://fetch.example.com/api" }
        agents:
          - { id: a, human_owner: "", security_owner: alice, atf_level: L3, risk_tier: high, playbooks: [prompt_injection], permissions: [{ tool: fetch }] }

        """;

    [Fact]
    public void Evaluate_UnknownToolForAnAgentWithAnEmptyHumanOwner_ExplainsTheAgentsControlsAsAKnownToolDoes()
    {
        var load = PolicyBundleLoader.LoadTenantText("t1.yaml", EmptyOwnerTenant, Path.GetTempPath());
        var tenant = load.Tenant ?? throw new InvalidOperationException(string.Join(Environment.NewLine, load.Errors));
        var caller = new AuthenticatedCaller(tenant.Slug, "w", "a");

        var known = DecisionEngine.Instance.Evaluate(tenant, caller, new ActionRequest { Tool = "fetch" });
        var unknown = DecisionEngine.Instance.Evaluate(tenant, caller, new ActionRequest { Tool = "nope" });

        Assert.Equal(DecisionKind.Block, unknown.Kind);
        Assert.Equal("unknown_tool", unknown.Explanation.Error);
        foreach (var control in new[] { ControlId.HumanOwner, ControlId.SecurityOwner, ControlId.IncidentPlaybooks, ControlId.RisksFindings, ControlId.RedTeam })
        {
            Assert.Equal(known.Explanation.DecisionPath.Single(r => r.Control == control), unknown.Explanation.DecisionPath.Single(r => r.Control == control));
        }

        Assert.Equal(ControlOutcome.Fail, unknown.Explanation.DecisionPath.Single(r => r.Control == ControlId.HumanOwner).Outcome);
        Assert.Contains(unknown.Explanation.WhatWouldChange, w => w.Contains("human_owner", StringComparison.Ordinal));
        Assert.Contains(unknown.Explanation.WhatWouldChange, w => w.Contains("playbooks", StringComparison.Ordinal));
        Assert.Contains(unknown.Explanation.WhatWouldChange, w => w.Contains("red-team", StringComparison.Ordinal));
        Assert.Contains(unknown.Explanation.WhatWouldChange, w => w.Contains("add 'nope' to the catalog", StringComparison.Ordinal));
        Assert.Equal(
            ["no_human_owner", "playbooks_missing", "no_passed_red_team"],
            unknown.Explanation.RuleTriggers.Select(t => t.ReasonCode).Where(known.Explanation.RuleTriggers.Select(t => t.ReasonCode).Contains));
    }

    [Fact]
    public void Evaluate_UnknownToolInAShadowTenant_ExplainsTheIncidentThatWouldOpen()
    {
        var tenant = ConformanceCorpus.Bundle("shadow");

        var decision = DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller(tenant.Slug, "ws-1", "flagged"), UnknownTool);

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.False(decision.OpensIncident);
        Assert.True(decision.Explanation.Simulated);
        Assert.Equal(DecisionKind.BlockAndOpenIncident, decision.Explanation.WouldBe);
        Assert.Null(decision.Descriptor);
    }

    [Fact]
    public void Evaluate_UnknownToolSimulatedByTheRequest_ReportsWhatTheRealCallGets()
    {
        var tenant = ConformanceCorpus.Bundle("base");
        var caller = new AuthenticatedCaller(tenant.Slug, "ws-1", "flagged");

        var real = DecisionEngine.Instance.Evaluate(tenant, caller, UnknownTool);
        var simulated = DecisionEngine.Instance.Evaluate(tenant, caller, UnknownTool with { Simulate = true });

        Assert.Equal(DecisionKind.BlockAndOpenIncident, real.Kind);
        Assert.True(real.OpensIncident);
        Assert.Equal(real.Kind, simulated.Kind);
        Assert.Equal(real.IntentDigest, simulated.IntentDigest);
        Assert.False(simulated.OpensIncident);
        Assert.True(simulated.Explanation.Simulated);
        Assert.Equal(DecisionKind.BlockAndOpenIncident, simulated.Explanation.WouldBe);
    }

    [Fact]
    public void Evaluate_UnknownToolInAShadowTenantSimulatedByTheRequest_IsEvaluateOnlyAndOpensNothing()
    {
        var tenant = ConformanceCorpus.Bundle("shadow");

        var decision = DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller(tenant.Slug, "ws-1", "flagged"), UnknownTool with { Simulate = true });

        Assert.Equal(DecisionKind.Block, decision.Kind);
        Assert.Equal(DecisionKind.BlockAndOpenIncident, decision.WouldBe);
        Assert.True(decision.Simulated);
        Assert.True(decision.EvaluateOnly);
        Assert.False(decision.OpensIncident);
    }
}
