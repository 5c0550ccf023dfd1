using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// An agent the bundle marks <c>lifecycle: suspended</c> or <c>retired</c> issues no delegated child and starts no run: 403
/// <c>blocked</c> (its lifecycle control fails), the refusal recorded and nothing issued or started.
/// </summary>
public sealed class InactiveAgentIssuanceTests
{
    [Theory]
    [InlineData("suspended")]
    [InlineData("retired")]
    public async Task Delegate_ParentNotActiveInTheBundle_Is403BlockedAndNothingIsIssued(string lifecycle)
    {
        await using var gw = await GovernedGateway.StartAsync(bundle => WithLifecycle(bundle, lifecycle));

        using var response = await DelegationCalls.RequestAsync(gw.Agent, DelegationCalls.ReadContactGrant);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.Contains(lifecycle, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var listed = await gw.Admin().GetAsync("/admin/v1/tenants/demo/agents/demo-agent/delegations");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.DoesNotContain("dlg-", await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await RecordsAsync(gw, "delegation_issued"));
        Assert.Single(await RecordsAsync(gw, "refused:blocked"));
    }

    [Theory]
    [InlineData("suspended")]
    [InlineData("retired")]
    public async Task StartRun_AgentNotActiveInTheBundle_Is403BlockedAndNoRunIsStarted(string lifecycle)
    {
        await using var gw = await GovernedGateway.StartAsync(bundle => WithLifecycle(bundle, lifecycle));

        using var response = await gw.Agent.PostJsonAsync("/v1/runs", """{"framework":"tests","purpose":"read a contact"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.Contains(lifecycle, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await RecordsAsync(gw, "run_started"));
        Assert.Single(await RecordsAsync(gw, "refused:blocked"));
    }

    /// <summary>The demo bundle with the demo agent's lifecycle set to <paramref name="lifecycle"/>.</summary>
    private static string WithLifecycle(string bundle, string lifecycle)
    {
        const string Active = "  - id: demo-agent\n    name: Demo agent\n    lifecycle: active";
        Assert.Contains(Active, bundle, StringComparison.Ordinal);
        return bundle.Replace(Active, Active.Replace("active", lifecycle, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static async Task<List<JsonElement>> RecordsAsync(GovernedGateway gw, string decision)
    {
        using var query = await gw.Admin().GetAsync($"/admin/v1/tenants/demo/audit/query?agent=demo-agent&decision={decision}");
        return [.. (await DecisionJson.ReadAsync(query, HttpStatusCode.OK)).GetProperty("records").EnumerateArray()];
    }
}
