using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// The agents a risk or finding concerns: <c>agents: ["*"]</c> is every agent of the tenant, as in a data flow; a
/// red-team test is of one agent, so <c>agent: "*"</c> is refused rather than vouching for agents it never tested.
/// </summary>
public sealed class RiskSectionTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: bob }]
        catalog:
          - { name: wiki.read, kind: http, action_type: read, upstream: "https://wiki.example.com/api" }
        agents:
          - { id: a, human_owner: hugo, security_owner: bob, atf_level: L3, permissions: [{ tool: wiki.read }] }
          - { id: b, human_owner: hugo, security_owner: bob, atf_level: L3, permissions: [{ tool: wiki.read }] }

        """;

    [Theory]
    [InlineData("[\"*\"]")]
    [InlineData("[a, \"*\"]")]
    public void Evaluate_OpenCriticalFindingOnStar_EscalatesEveryAgent(string agents)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant + $"risks: [{{ id: F-9, kind: finding, severity: critical, status: open, agents: {agents} }}]", Path.GetTempPath());
        Assert.Empty(result.Errors);

        foreach (var agent in new[] { "a", "b" })
        {
            var decision = DecisionEngine.Instance.Evaluate(result.Tenant!, new AuthenticatedCaller("t1", "w", agent), new ActionRequest { Tool = "wiki.read" });

            Assert.Equal(DecisionKind.RequireApproval, decision.Kind);
            Assert.Contains(decision.Explanation.RuleTriggers, t => t.ReasonCode == "open_critical_finding");
            Assert.Equal("F-9", Assert.Single(decision.Explanation.OpenRisks).Id);
        }
    }

    [Fact]
    public void Evaluate_OpenCriticalFindingOnOneAgent_EscalatesOnlyThatAgent()
    {
        var tenant = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant + "risks: [{ id: F-9, severity: critical, agents: [a] }]", Path.GetTempPath()).Tenant!;

        var flagged = DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("t1", "w", "a"), new ActionRequest { Tool = "wiki.read" });
        var other = DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("t1", "w", "b"), new ActionRequest { Tool = "wiki.read" });

        Assert.Equal(DecisionKind.RequireApproval, flagged.Kind);
        Assert.NotEqual(DecisionKind.RequireApproval, other.Kind);
        Assert.Empty(other.Explanation.OpenRisks);
    }

    [Fact]
    public void Load_RedTeamTestOnStar_IsRefused()
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant + "red_team_tests: [{ agent: \"*\", scenario: prompt_injection, passed: true }]", Path.GetTempPath());

        Assert.Null(result.Tenant);
        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.InvalidValue, error.Code);
        Assert.Contains("'*'", error.Message, StringComparison.Ordinal);
    }
}
