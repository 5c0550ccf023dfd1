using System.Net;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// A person's valid access token that <c>/mcp</c> refuses for the person (suspended, consent revoked) is recorded under the
/// agent that presented it, without the person, as a signed <c>X-Gamut-Person</c>'s refusal is, once a minute per agent,
/// secret, route and code (each test its own gateway: two tests' refusals would share the minute).
/// </summary>
public sealed class InteractiveTokenRefusalAuditTests : IAsyncLifetime
{
    private InteractiveGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await InteractiveGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Post_TokenOfASuspendedPerson_Is401RecordedUnderTheAgent()
    {
        var tokens = await _gw.SignInAndExchangeAsync("carol", ["engineers"]);
        var access = tokens.GetProperty("access_token").GetString()!;
        using (var suspended = await _gw.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/console-users/carol/suspend", null))
        {
            Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        }

        using var refused = await _gw.InitializeAsync(access);

        await AssertRecordedAsync(refused);
    }

    [Fact]
    public async Task Post_TokenOfARevokedConsent_Is401RecordedUnderTheAgent()
    {
        var access = await RevokedConsentTokenAsync("bruno");

        using var refused = await _gw.InitializeAsync(access);

        await AssertRecordedAsync(refused);
    }

    [Fact]
    public async Task Post_TokenOfARevokedConsentPresentedFiveTimes_IsRecordedOnce()
    {
        var access = await RevokedConsentTokenAsync("bruno");

        var requestIds = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var refused = await _gw.InitializeAsync(access);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("access_token_invalid", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            requestIds.Add(Assert.Single(refused.Headers.GetValues("X-Request-Id")));
        }

        var record = Assert.Single(await _gw.Gateway.AuditRecordsAsync(requestIds[0]));
        Assert.Equal("refused:access_token_invalid", record.GetProperty("decision").GetString());
        Assert.Single(await _gw.AllAuditRecordsAsync(), r => r.TryGetProperty("decision", out var d) && d.GetString() == "refused:access_token_invalid");
    }

    /// <summary>An access token of <paramref name="person"/> whose consent an administrator then revoked.</summary>
    private async Task<string> RevokedConsentTokenAsync(string person)
    {
        var tokens = await _gw.SignInAndExchangeAsync(person, ["engineers"]);
        using (var deleted = await _gw.Gateway.Admin().DeleteAsync($"/admin/v1/tenants/demo/console-users/{person}/consents?client_id=" + InteractiveGateway.ClientId))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        return tokens.GetProperty("access_token").GetString()!;
    }

    /// <summary>Asserts a 401 <c>access_token_invalid</c> whose one record names the agent and no person or tool.</summary>
    private async Task AssertRecordedAsync(HttpResponseMessage refused)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var record = Assert.Single(await _gw.Gateway.AuditRecordsAsync(Assert.Single(refused.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("demo-agent", record.GetProperty("agent").GetString());
        Assert.Equal("refused:access_token_invalid", record.GetProperty("decision").GetString());
        Assert.False(record.TryGetProperty("person", out var person) && person.ValueKind == JsonValueKind.String, record.ToString());
    }
}
