namespace Gateway.Policy.Tests;

/// <summary>
/// A tool the catalog lacks, under both kinds of shadow mode: a shadow tenant opens no incident and its explanation says
/// what would have happened; a request's <c>simulate</c> reports exactly the decision the real call would get.
/// </summary>
public sealed class UndescribableSimulationTests
{
    private static readonly ActionRequest UnknownTool = new() { Tool = "t.nope" };

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
