using System.Net;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// A person's valid access token that <c>/mcp</c> refuses for the person (suspended, consent revoked) is recorded under the
/// agent that presented it, without the person, as a signed <c>X-Gamut-Person</c>'s refusal is.
/// </summary>
public sealed class InteractiveTokenRefusalAuditTests(InteractiveGatewayFixture fixture) : IClassFixture<InteractiveGatewayFixture>
{
    private InteractiveGateway Gw => fixture.Gateway;

    [Fact]
    public async Task Post_TokenOfASuspendedPerson_Is401RecordedUnderTheAgent()
    {
        var tokens = await Gw.SignInAndExchangeAsync("carol", ["engineers"]);
        var access = tokens.GetProperty("access_token").GetString()!;
        using (var suspended = await Gw.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/console-users/carol/suspend", null))
        {
            Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        }

        using var refused = await Gw.InitializeAsync(access);

        await AssertRecordedAsync(refused);
    }

    [Fact]
    public async Task Post_TokenOfARevokedConsent_Is401RecordedUnderTheAgent()
    {
        var tokens = await Gw.SignInAndExchangeAsync("bruno", ["engineers"]);
        var access = tokens.GetProperty("access_token").GetString()!;
        using (var deleted = await Gw.Gateway.Admin().DeleteAsync("/admin/v1/tenants/demo/console-users/bruno/consents?client_id=" + InteractiveGateway.ClientId))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var refused = await Gw.InitializeAsync(access);

        await AssertRecordedAsync(refused);
    }

    /// <summary>Asserts a 401 <c>access_token_invalid</c> whose one record names the agent and no person or tool.</summary>
    private async Task AssertRecordedAsync(HttpResponseMessage refused)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var record = Assert.Single(await Gw.Gateway.AuditRecordsAsync(Assert.Single(refused.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("demo-agent", record.GetProperty("agent").GetString());
        Assert.Equal("refused:access_token_invalid", record.GetProperty("decision").GetString());
        Assert.False(record.TryGetProperty("person", out var person) && person.ValueKind == JsonValueKind.String, record.ToString());
    }
}
