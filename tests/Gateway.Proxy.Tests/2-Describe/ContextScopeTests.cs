using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// A context read is of its connector's own scope on every route (docs/connectors.md, <c>context</c>): a <c>scope</c>
/// naming another is refused on invoke-tool and on the transparent route, nothing sent; and the transparent route's query
/// is the read's arguments, so a rule on <c>$.query</c> holds there as on <c>/v1/actions/context</c>.
/// </summary>
public sealed class ContextScopeTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(static text => text.Replace("rules:\n", """
        rules:
          - id: no-salary-reads
            match:
              tools: [workspace]
              args: [{ path: $.query, glob: "*salar*" }]
            effect: block
            reason: salary_read

        """, StringComparison.Ordinal));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task InvokeTool_ContextNamingAnotherScope_IsRefusedAndNothingIsSent()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"workspace","args":{"scope":"hr-restricted","query":"q"}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Empty(_gw.Upstream.To("/context"));
    }

    [Theory]
    [InlineData("?scope=hr-restricted&query=q")]
    [InlineData("?SCOPE=workspace&scope=hr-restricted&query=q")]
    [InlineData("?Scope=hr-restricted&query=q")]
    [InlineData("?scope=workspace&QUERY=ok&query=salaries")]
    [InlineData("?scope=workspace&query=ok&query=salaries")]
    public async Task ProviderRoute_ContextNamingAnotherScopeOrAnArgumentTwice_IsRefusedRecordedAndNothingIsSent(string query)
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/workspace" + query));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Empty(_gw.Upstream.To("/context"));
        var audit = await _gw.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000");
        Assert.Contains("\"tool\":\"workspace\"", audit, StringComparison.Ordinal);
        Assert.Contains("refused:malformed_body", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProviderRoute_QueryARuleBlocks_IsBlockedAsOnTheContextRoute()
    {
        using var transparent = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/workspace?scope=workspace&query=salaries"));
        using var governed = await _gw.Agent.PostJsonAsync("/v1/actions/context", """{"scope":"workspace","query":"salaries"}""");

        Assert.Equal(HttpStatusCode.Forbidden, transparent.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, governed.StatusCode);
        Assert.Empty(_gw.Upstream.To("/context"));
    }

    [Fact]
    public async Task ContextRoute_OwnScope_IsSentUnderTheConnectorsName()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/context", """{"scope":"workspace","query":"roadmap"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("?scope=workspace&query=roadmap", Assert.Single(_gw.Upstream.To("/context")).Target, StringComparison.Ordinal);
    }
}
