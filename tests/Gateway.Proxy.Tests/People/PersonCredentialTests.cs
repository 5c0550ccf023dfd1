using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.People;

/// <summary>
/// A connector that acts for a person (<c>person:</c> on crm.read_contact): refused without a person; with
/// <c>token_exchange</c>, the upstream receives the person-scoped token the provider's token endpoint issued (RFC 8693),
/// obtained once per person and audience while it lives, and never the agent; a refused or failed exchange is refused and
/// nothing is forwarded; with <c>vault</c>, the person's own credential from the vault. (The exchange against a full
/// OpenID provider, oidc-provider, is in tests/node/test/person.test.js.)
/// </summary>
public sealed class PersonCredentialTests
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private const string ContactsBinding = "    http: { method: GET, path: \"/contacts/{id}\", args: query }";

    [Fact]
    public async Task InvokeTool_ConnectorNeedsAPersonAndNoneIsSent_Is403PersonRequiredRecordedAndNothingForwarded()
    {
        await using var gw = await StartAsync("{ credential: token_exchange, audience: crm-api }");

        using var response = await gw.Gateway.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "person_required");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
        Assert.Empty(gw.Provider.TokenRequests);
        var outcome = await OutcomeAsync(gw, response);
        Assert.False(outcome.GetProperty("invoked").GetBoolean());
        Assert.Equal(403, outcome.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task InvokeTool_TokenExchange_UpstreamGetsThePersonScopedTokenOnceExchangedAndTheAgentNever()
    {
        await using var gw = await StartAsync("{ credential: token_exchange, audience: crm-api, scope: crm.read }");
        const string Exchanged = "person-scoped-crm-token-0f1e2d3c4b5a";
        gw.Provider.TokenAnswer = (200, JsonSerializer.Serialize(new
        {
            access_token = Exchanged,
            issued_token_type = "urn:ietf:params:oauth:token-type:access_token",
            token_type = "Bearer",
            expires_in = 600,
        }));
        var token = gw.Provider.Issue("erin@example.com");

        using var first = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", ReadContact, token);
        using var second = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", ReadContact, token);

        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.True(first.StatusCode == HttpStatusCode.OK, firstBody);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.All(gw.Gateway.Upstream.To("/crm"), r => Assert.Equal("Bearer " + Exchanged, r.Headers["Authorization"]));
        Assert.Equal(2, gw.Gateway.Upstream.To("/crm").Count);
        Assert.DoesNotContain(Exchanged, firstBody, StringComparison.Ordinal);
        Assert.DoesNotContain(Exchanged, await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(first.Headers.Concat(first.Content.Headers), h => h.Value.Any(v => v.Contains(Exchanged, StringComparison.Ordinal)));

        var exchange = Assert.Single(gw.Provider.TokenRequests);
        Assert.Equal("urn:ietf:params:oauth:grant-type:token-exchange", exchange["grant_type"]);
        Assert.Equal(token, exchange["subject_token"]);
        Assert.Equal("urn:ietf:params:oauth:token-type:id_token", exchange["subject_token_type"]);
        Assert.Equal("crm-api", exchange["audience"]);
        Assert.Equal("crm.read", exchange["scope"]);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(TestOpenIdProvider.ClientId + ":" + TestOpenIdProvider.ClientSecret)), exchange["authorization"]);
    }

    [Fact]
    public async Task InvokeTool_TwoPeople_EachGetsTheirOwnExchangedToken()
    {
        await using var gw = await StartAsync("{ credential: token_exchange, audience: crm-api }");
        gw.Provider.TokenAnswer = (200, """{"access_token":"token-for-whoever-asked","token_type":"Bearer","expires_in":600}""");

        using var erin = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", ReadContact, gw.Provider.Issue("erin@example.com"));
        using var carl = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", ReadContact, gw.Provider.Issue("carl@example.com"));

        Assert.Equal(HttpStatusCode.OK, erin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, carl.StatusCode);
        Assert.Equal(2, gw.Provider.TokenRequests.Count);
    }

    [Theory]
    [InlineData(400, """{"error":"invalid_grant","error_description":"no"}""", HttpStatusCode.Forbidden)]
    [InlineData(500, """{"error":"server_error"}""", HttpStatusCode.ServiceUnavailable)]
    [InlineData(200, """{"access_token":"x","token_type":"DPoP","expires_in":60}""", HttpStatusCode.ServiceUnavailable)]
    [InlineData(200, """{"token_type":"Bearer"}""", HttpStatusCode.ServiceUnavailable)]
    public async Task InvokeTool_ExchangeRefusedOrUnusable_IsPersonTokenExchangeFailedAndNothingForwarded(int status, string answer, HttpStatusCode expected)
    {
        await using var gw = await StartAsync("{ credential: token_exchange, audience: crm-api }");
        gw.Provider.TokenAnswer = (status, answer);

        using var response = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", ReadContact, gw.Provider.Issue("erin@example.com"));

        await ProblemAssert.IsProblemAsync(response, expected, "person_token_exchange_failed");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
        Assert.False((await OutcomeAsync(gw, response)).GetProperty("invoked").GetBoolean());
    }

    [Fact]
    public async Task InvokeTool_PersonsCredentialInTheVault_IsSentUpstreamAndAnotherPersonWithoutOneIsRefused()
    {
        await using var gw = await StartAsync("{ credential: vault, vault_prefix: crm-people }");
        using (var put = await gw.Gateway.Admin().PutAsync("/admin/v1/tenants/demo/credentials/crm-people.erin",
            new StringContent("""{"value":"erins-own-crm-credential"}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using var erin = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", ReadContact, gw.Provider.Issue("erin"));
        using var carl = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", ReadContact, gw.Provider.Issue("carl"));

        Assert.Equal(HttpStatusCode.OK, erin.StatusCode);
        Assert.Equal("Bearer erins-own-crm-credential", Assert.Single(gw.Gateway.Upstream.To("/crm")).Headers["Authorization"]);
        await ProblemAssert.IsProblemAsync(carl, HttpStatusCode.ServiceUnavailable, "person_credential_unavailable");
        // Carl's refusal is the outcome of his recorded decision: 503, nothing forwarded.
        var refused = await OutcomeAsync(gw, carl);
        Assert.Equal(503, refused.GetProperty("status_code").GetInt32());
        Assert.False(refused.GetProperty("invoked").GetBoolean());
        Assert.True((await OutcomeAsync(gw, erin)).GetProperty("invoked").GetBoolean());
    }

    [Fact]
    public async Task Reload_VaultPrefixOverAnotherConnectorsCredential_IsRefusedAndThatCredentialIsNeverSentForAPerson()
    {
        // payments.refund's own credential is vault:crm.svc; crm.read_contact's people's, vault:crm-people.<sub>.
        await using var gw = await PersonGateway.StartAsync(text => text
            .Replace("credential: vault:payments-key", "credential: vault:crm.svc", StringComparison.Ordinal)
            .Replace(ContactsBinding, "    person: { credential: vault, vault_prefix: crm-people }\n" + ContactsBinding, StringComparison.Ordinal));
        using (var put = await gw.Gateway.Admin().PutAsync("/admin/v1/tenants/demo/credentials/crm.svc",
            new StringContent("""{"value":"svc-key"}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        // With vault_prefix crm, a person whose sub is svc would name vault:crm.svc, payments' own credential.
        gw.Gateway.Bundle.Rewrite(text => text.Replace("vault_prefix: crm-people", "vault_prefix: crm", StringComparison.Ordinal));
        var errors = await gw.Gateway.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync();
        using var svc = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", ReadContact, gw.Provider.Issue("svc"));

        Assert.DoesNotContain(gw.Gateway.Upstream.To("/crm"), r => r.Headers.GetValueOrDefault("Authorization") == "Bearer svc-key");
        await ProblemAssert.IsProblemAsync(svc, HttpStatusCode.ServiceUnavailable, "person_credential_unavailable");
        Assert.Contains(errors, e => e.Code == "invalid_value" && e.Message.Contains(
            "catalog entry 'crm.read_contact' person vault_prefix 'crm' overlaps catalog entry 'payments.refund' credential 'vault:crm.svc'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvokeTool_PersonRequiredWithoutCredential_KeepsTheConnectorsOwnCredential()
    {
        await using var gw = await StartAsync("{ credential: none }");

        using var response = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", ReadContact, gw.Provider.Issue("erin@example.com"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer " + GovernedGateway.Credentials["crm-token"], Assert.Single(gw.Gateway.Upstream.To("/crm")).Headers["Authorization"]);
    }

    private static Task<PersonGateway> StartAsync(string person) =>
        PersonGateway.StartAsync(text => text.Replace(ContactsBinding, "    person: " + person + "\n" + ContactsBinding, StringComparison.Ordinal));

    /// <summary>The outcome record of <paramref name="response"/>'s request (the one after its decision), once it is written.</summary>
    private static async Task<JsonElement> OutcomeAsync(PersonGateway gw, HttpResponseMessage response)
    {
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        var outcome = await Gateway.Testing.Eventually.ReturnsAsync(() => FindOutcomeAsync(gw, requestId), static found => found is not null,
            TimeSpan.FromSeconds(10), _ => "no outcome record for " + requestId);
        return outcome!.Value;
    }

    /// <summary>The outcome of <paramref name="requestId"/>: its own record, or its entry in a record of several; null when none is written yet.</summary>
    private static async Task<JsonElement?> FindOutcomeAsync(PersonGateway gw, string requestId)
    {
        using var admin = gw.Gateway.Admin();
        using var page = JsonDocument.Parse(await admin.GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000"));
        foreach (var record in page.RootElement.GetProperty("records").EnumerateArray())
        {
            if (record.TryGetProperty("outcomes", out var outcomes))
            {
                foreach (var outcome in outcomes.EnumerateArray())
                {
                    if (outcome.GetProperty("request_id").GetString() == requestId)
                    {
                        return outcome.Clone();
                    }
                }
            }
            else if (record.TryGetProperty("request_id", out var id) && id.GetString() == requestId && record.TryGetProperty("invoked", out _))
            {
                return record.Clone();
            }
        }

        return null;
    }
}
