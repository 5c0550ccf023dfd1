using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// Issuing children has its own limit per registered agent (<c>delegation.issuance_limit</c> per
/// <c>issuance_window</c>): every child issued by the agent, its child or its grandchild counts against the one root agent;
/// what goes over is refused 429 <c>delegation_rate_limited</c> with <c>Retry-After</c>, in problem+json, and recorded.
/// Issuing also counts against the agent's own request rate limits.
/// </summary>
public sealed class DelegationIssuanceLimitTests : IAsyncLifetime
{
    private const string LeadGrant = """{"name":"lead","permissions":[{"tool":"crm.read_contact"}],"may_delegate":true}""";

    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(static bundle =>
        bundle.Replace("simulate: false", "simulate: false\ndelegation: { max_ttl: 15m, max_depth: 3, issuance_limit: 3, issuance_window: 1m }", StringComparison.Ordinal));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Delegate_BeyondTheIssuanceLimit_Is429WithRetryAfterAndRecorded()
    {
        for (var i = 0; i < 3; i++)
        {
            await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client);
        }

        using var response = await DelegationCalls.RequestAsync(_gw.Agent, DelegationCalls.ReadContactGrant);

        await AssertIssuanceRefusedAsync(response);
        var record = await LastRecordAsync("demo-agent", "refused:delegation_rate_limited");
        Assert.Equal("delegation", record.GetProperty("tool").GetString());
        Assert.Equal(429, record.GetProperty("status_code").GetInt32());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Delegate_ByADescendant_CountsAgainstTheRootAgentsIssuanceLimit(int depth)
    {
        // A child (depth 1) or a grandchild (depth 2) that may delegate: issuing it spent `depth` of the agent's three.
        var issuer = _gw.Agent;
        for (var level = 1; level <= depth; level++)
        {
            (issuer, _) = await DelegationCalls.DelegateAsync(issuer, _gw.Host.Client, LeadGrant);
        }

        for (var i = depth; i < 3; i++)
        {
            using var issued = await DelegationCalls.RequestAsync(issuer, DelegationCalls.ReadContactGrant);
            Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        }

        using var byDescendant = await DelegationCalls.RequestAsync(issuer, DelegationCalls.ReadContactGrant);
        using var byAgent = await DelegationCalls.RequestAsync(_gw.Agent, DelegationCalls.ReadContactGrant);

        await AssertIssuanceRefusedAsync(byDescendant);
        await AssertIssuanceRefusedAsync(byAgent);
        var record = await LastRecordAsync(issuer.Agent, "refused:delegation_rate_limited");
        Assert.Equal(depth + 1, record.GetProperty("actor_chain").GetArrayLength());
    }

    [Fact]
    public async Task Delegate_AgentAtItsRequestRateLimit_Is429RateLimited()
    {
        await using var gw = await GovernedGateway.StartAsync(static bundle =>
            bundle.Replace("{ scope: agent, agent: demo-agent, limit: 120, window: 1m }", "{ scope: agent, agent: demo-agent, limit: 2, window: 1m }", StringComparison.Ordinal));
        for (var i = 0; i < 2; i++)
        {
            await DelegationCalls.DelegateAsync(gw.Agent, gw.Host.Client);
        }

        using var response = await DelegationCalls.RequestAsync(gw.Agent, DelegationCalls.ReadContactGrant);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal("agent", problem.GetProperty("scope").GetString());
    }

    private static async Task AssertIssuanceRefusedAsync(HttpResponseMessage response)
    {
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, "delegation_rate_limited");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.InRange(response.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        Assert.Equal("delegation", problem.GetProperty("scope").GetString());
    }

    private async Task<JsonElement> LastRecordAsync(string agent, string decision)
    {
        using var query = await _gw.Admin().GetAsync($"/admin/v1/tenants/demo/audit/query?agent={agent}&decision={decision}");
        return (await DecisionJson.ReadAsync(query, HttpStatusCode.OK)).GetProperty("records").EnumerateArray().Last();
    }
}
