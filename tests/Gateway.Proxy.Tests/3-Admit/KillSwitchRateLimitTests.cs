using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// An agent stopped by a kill switch that always refuses (a revoked secret) uses up none of the windows it shares with the
/// tenant's other agents: its refused requests spend their nonces and count in no rate limit.
/// </summary>
public sealed class KillSwitchRateLimitTests : IAsyncLifetime
{
    private const int TenantLimit = 3;
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private GovernedGateway _gw = null!;

    // An hour's window: a window crossed mid-test would only reset the count, never refuse the last request.
    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(text => text.Replace(
        "{ scope: tenant, limit: 1000, window: 1m }", $"{{ scope: tenant, limit: {TenantLimit}, window: 1h }}", StringComparison.Ordinal));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task InvokeTool_RevokedAgentAtTheTenantLimit_OtherAgentStillAdmitted()
    {
        using (var revoke = await _gw.Admin().PostAsync("/admin/v1/tenants/demo/agents/rogue-agent/revoke-secret", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        for (var i = 0; i < TenantLimit; i++)
        {
            using var refused = await _gw.Rogue.PostJsonAsync("/v1/actions/invoke-tool", ReadContact);
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "secret_revoked");
        }

        using var admitted = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact);
        Assert.True(admitted.StatusCode == HttpStatusCode.OK, await admitted.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task InvokeTool_AfterSecretRevoked_Is401RecordedAsSecretRevoked()
    {
        using (var revoke = await _gw.Admin().PostAsync("/admin/v1/tenants/demo/agents/rogue-agent/revoke-secret", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        foreach (var target in new[] { "/v1/actions/invoke-tool", "/v1/evaluate" })
        {
            using var refused = await _gw.Rogue.PostJsonAsync(target, ReadContact);

            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "secret_revoked");
            var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(refused.Headers.GetValues("X-Request-Id"))));
            Assert.Equal("crm.read_contact", record.GetProperty("tool").GetString());
            Assert.Equal("refused:secret_revoked", record.GetProperty("decision").GetString());
        }
    }

    [Fact]
    public async Task InvokeTool_RevokedSecretRepeatedWithinTheWindow_IsRecordedOnce()
    {
        using (var revoke = await _gw.Admin().PostAsync("/admin/v1/tenants/demo/agents/rogue-agent/revoke-secret", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        var requestIds = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var refused = await _gw.Rogue.PostJsonAsync("/v1/evaluate", ReadContact);
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "secret_revoked");
            requestIds.Add(Assert.Single(refused.Headers.GetValues("X-Request-Id")));
        }

        Assert.Single(await _gw.AuditRecordsAsync(requestIds[0]));
        Assert.Empty(await _gw.AuditRecordsAsync(requestIds[1]));
        using var query = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/audit/query?agent=rogue-agent&decision=refused:secret_revoked");
        Assert.Single((await DecisionJson.ReadAsync(query, HttpStatusCode.OK)).GetProperty("records").EnumerateArray());
    }
}
