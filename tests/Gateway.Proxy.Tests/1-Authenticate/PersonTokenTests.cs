using System.Net;
using System.Text.Json;
using Gateway.Connectors.Signing;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// A request acting for a person (<c>X-Gamut-Person</c>): the person's identity token is verified against the tenant's
/// OpenID provider (a real one on loopback: discovery document and JWKS) — issuer, audience, expiry, signature, algorithm —
/// and bound to the request by its signature, and the person must not be suspended; every refusal is a 401 (403 for a
/// suspended person, 503 when the provider cannot be read) with a stable code, recorded, and nothing is forwarded.
/// </summary>
public sealed partial class PersonTokenTests
{
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";

    [Fact]
    public async Task Evaluate_ValidPersonToken_IsAnsweredAndTheExplanationRecordAndChainNameThePerson()
    {
        await using var gw = await PersonGateway.StartAsync();
        var token = gw.Provider.Issue("erin@example.com", ["staff", "sales"]);

        using var response = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, token);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var body = JsonDocument.Parse(text);
        var person = body.RootElement.GetProperty("explanation").GetProperty("person");
        Assert.Equal("erin@example.com", person.GetProperty("subject").GetString());
        Assert.Equal(gw.Provider.Issuer, person.GetProperty("issuer").GetString());
        Assert.Equal(["staff", "sales"], person.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.False(person.TryGetProperty("register_id", out _));
        var record = await RecordAsync(gw, response);
        Assert.Equal("erin@example.com", record.GetProperty("person").GetString());
        Assert.Equal(gw.Provider.Issuer, record.GetProperty("person_issuer").GetString());
        Assert.Equal(["person:erin@example.com", "agent:demo-agent"],
            record.GetProperty("actor_chain").EnumerateArray().Select(l => l.GetProperty("kind").GetString() + ":" + l.GetProperty("id").GetString()));
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_TenantNamingPeopleByEmail_TheExplanationCarriesTheRegisterIdAnApprovalIsCheckedAgainst()
    {
        await using var gw = await PersonGateway.StartAsync(settings: new Dictionary<string, string> { ["Gateway:Console:Tenants:demo:PersonClaim"] = "email" });
        var token = gw.Provider.Issue("00u1erin", ["staff"], more: new Dictionary<string, object> { ["email"] = "erin@example.com", ["email_verified"] = true });

        using var response = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, token);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var body = JsonDocument.Parse(text);
        var person = body.RootElement.GetProperty("explanation").GetProperty("person");
        Assert.Equal("00u1erin", person.GetProperty("subject").GetString());
        Assert.Equal("erin@example.com", person.GetProperty("register_id").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData(false)]
    public async Task Evaluate_TenantNamingPeopleByEmail_AnAddressNotVerifiedIsNoRegisterId(bool? verified)
    {
        // A provider that lets a person set their own address: "cfo@example.com" unverified must not make them the CFO.
        await using var gw = await PersonGateway.StartAsync(settings: new Dictionary<string, string> { ["Gateway:Console:Tenants:demo:PersonClaim"] = "email" });
        var claims = new Dictionary<string, object> { ["email"] = "cfo@example.com" };
        if (verified is { } v)
        {
            claims["email_verified"] = v;
        }

        using var response = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, gw.Provider.Issue("00u1erin", ["staff"], more: claims));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var body = JsonDocument.Parse(text);
        var person = body.RootElement.GetProperty("explanation").GetProperty("person");
        Assert.Equal("00u1erin", person.GetProperty("subject").GetString());
        Assert.False(person.TryGetProperty("register_id", out var registerId) && registerId.ValueKind == JsonValueKind.String, text);
        Assert.DoesNotContain("cfo@example.com", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_ChildIssuedForOnePersonActingForAnother_Is401Recorded()
    {
        await using var gw = await PersonGateway.StartAsync();
        using var delegated = await gw.PostAsPersonAsync("/v1/delegations", DelegationCalls.ReadContactGrant, gw.Provider.Issue("erin@example.com"));
        var child = DelegationCalls.ChildOf(await DecisionJson.ReadAsync(delegated, HttpStatusCode.Created), gw.Gateway.Host.Client);
        using var asErin = child.CreateForPerson(HttpMethod.Post, "/v1/evaluate", Evaluate, gw.Provider.Issue("erin@example.com"));
        using var asMallory = child.CreateForPerson(HttpMethod.Post, "/v1/evaluate", Evaluate, gw.Provider.Issue("mallory@example.com"));

        using var forErin = await child.SendAsync(asErin);
        using var forMallory = await child.SendAsync(asMallory);

        Assert.Equal(HttpStatusCode.OK, forErin.StatusCode);
        await ProblemAssert.IsProblemAsync(forMallory, HttpStatusCode.Unauthorized, "person_token_invalid");
        var record = await RecordAsync(gw, forMallory);
        Assert.Equal("refused:person_token_invalid", record.GetProperty("decision").GetString());
        Assert.Equal(child.Agent, record.GetProperty("agent").GetString());
    }

    [Fact]
    public async Task Evaluate_PersonSuspendedByAnAdministrator_Is403AndRecordedUntilResumed()
    {
        await using var gw = await PersonGateway.StartAsync();
        var token = gw.Provider.Issue("erin@example.com");
        using (var suspend = await gw.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/console-users/erin@example.com/suspend", null))
        {
            suspend.EnsureSuccessStatusCode();
        }

        using var refused = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, token);
        using (var resume = await gw.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/console-users/erin@example.com/resume", null))
        {
            resume.EnsureSuccessStatusCode();
        }

        using var resumed = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, token);

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "person_suspended");
        Assert.Equal("refused:person_suspended", (await RecordAsync(gw, refused)).GetProperty("decision").GetString());
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
    }

    [Fact]
    public async Task Evaluate_EcdsaSignedToken_IsAccepted()
    {
        await using var gw = await PersonGateway.StartAsync();
        var token = gw.Provider.Issue("erin@example.com", credentials: gw.Provider.PublishEcKey());

        using var response = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static TheoryData<string, string> RefusedTokens() => new()
    {
        { "forged", "person_token_invalid" },
        { "expired", "person_token_expired" },
        { "not_yet_valid", "person_token_expired" },
        { "wrong_audience", "person_token_invalid" },
        { "no_audience", "person_token_invalid" },
        { "wrong_issuer", "person_token_invalid" },
        { "alg_none", "person_token_invalid" },
        { "hmac_with_public_key", "person_token_invalid" },
        { "no_expiry", "person_token_invalid" },
        { "unpublished_key", "person_token_invalid" },
        { "tampered_payload", "person_token_invalid" },
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Evaluate_BadPersonToken_Is401WithItsCodeRecordedAndNothingForwarded(string kind, string code)
    {
        await using var gw = await PersonGateway.StartAsync();
        var token = BadToken(gw.Provider, kind);

        using var response = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", Evaluate, token);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, code);
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
        var record = await RecordAsync(gw, response);
        Assert.Equal("refused:" + code, record.GetProperty("decision").GetString());
        Assert.Equal("demo-agent", record.GetProperty("agent").GetString());
    }

    [Fact]
    public async Task Evaluate_TokenMovedOntoARequestSignedWithoutIt_IsSignatureMismatch()
    {
        await using var gw = await PersonGateway.StartAsync();
        var token = gw.Provider.Issue("erin@example.com");
        using var request = gw.Gateway.Agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate);
        request.Headers.TryAddWithoutValidation(SignatureHeaders.Person, token);

        using var response = await gw.Gateway.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
    }

    [Fact]
    public async Task Evaluate_TokenSwappedForAnotherPersonsToken_IsSignatureMismatch()
    {
        await using var gw = await PersonGateway.StartAsync();
        using var request = gw.Gateway.Agent.CreateForPerson(HttpMethod.Post, "/v1/evaluate", Evaluate, gw.Provider.Issue("erin@example.com"));
        request.Headers.Remove(SignatureHeaders.Person);
        request.Headers.TryAddWithoutValidation(SignatureHeaders.Person, gw.Provider.Issue("root@example.com", ["admins"]));

        using var response = await gw.Gateway.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
    }

    [Fact]
    public async Task Evaluate_SignedRequestWithTokenReplayedWithAnotherBody_IsSignatureMismatch()
    {
        await using var gw = await PersonGateway.StartAsync();
        using var original = gw.Gateway.Agent.CreateForPerson(HttpMethod.Post, "/v1/evaluate", Evaluate, gw.Provider.Issue("erin@example.com"));
        using var moved = await AgentClient.CloneAsync(original);
        moved.Content = new StringContent("""{"tool":"crm.update_contact","args":{"id":"c-1","name":"x"}}""", System.Text.Encoding.UTF8, "application/json");

        using var response = await gw.Gateway.Agent.SendAsync(moved);
        using var replayed = await gw.Gateway.Agent.SendAsync(await AgentClient.CloneAsync(original));
        using var again = await gw.Gateway.Agent.SendAsync(await AgentClient.CloneAsync(original));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Unauthorized, "replayed_nonce");
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c.d")]
    [InlineData("a.b c.d")]
    public async Task Evaluate_MalformedPersonHeader_IsMalformedHeader(string value)
    {
        await using var gw = await PersonGateway.StartAsync();
        using var request = gw.Gateway.Agent.CreateForPerson(HttpMethod.Post, "/v1/evaluate", Evaluate, value);

        using var response = await gw.Gateway.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "malformed_header");
    }

    [Fact]
    public async Task Evaluate_ProviderUnreachableFromTheStart_Is503RecordedAndNothingForwarded()
    {
        await using var gw = await PersonGateway.StartAsync();
        gw.Provider.Down = true;

        using var response = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", Evaluate, gw.Provider.Issue("erin@example.com"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "person_provider_unavailable");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
        Assert.Equal("refused:person_provider_unavailable", (await RecordAsync(gw, response)).GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Evaluate_ProviderRotatesItsKey_KeysAreFetchedAgainOnceAndTheNewTokenIsAccepted()
    {
        await using var gw = await PersonGateway.StartAsync();
        using (var first = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, gw.Provider.Issue("erin@example.com")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        gw.Provider.Rotate();
        using var rotated = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, gw.Provider.Issue("erin@example.com"));
        using var again = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, gw.Provider.Issue("erin@example.com"));

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(2, gw.Provider.KeyFetches);
    }

    [Fact]
    public async Task Evaluate_ManyTokensWithUnknownKeyIds_FetchTheKeysAtMostOncePerWindow()
    {
        await using var gw = await PersonGateway.StartAsync();

        for (var i = 0; i < 5; i++)
        {
            using var response = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, BadToken(gw.Provider, "unpublished_key"));
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "person_token_invalid");
        }

        // The first fetch, and one more for the first unknown key id; the rest fall in the 30 s window.
        Assert.Equal(2, gw.Provider.KeyFetches);
    }

    [Fact]
    public async Task Evaluate_ProviderDownAfterKeysWereFetched_CachedKeysStillVerify()
    {
        await using var gw = await PersonGateway.StartAsync();
        using (var first = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, gw.Provider.Issue("erin@example.com")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        gw.Provider.Down = true;
        using var cached = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, gw.Provider.Issue("erin@example.com"));
        using var unknownKey = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, BadToken(gw.Provider, "unpublished_key"));

        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        await ProblemAssert.IsProblemAsync(unknownKey, HttpStatusCode.Unauthorized, "person_token_invalid");
    }

    [Fact]
    public async Task Evaluate_TenantWithoutOpenIdProvider_RefusesAPersonToken()
    {
        await using var provider = await TestOpenIdProvider.StartAsync();
        await using var plain = await GovernedGateway.StartAsync();
        var token = provider.Issue("erin@example.com");

        using var response = await plain.Agent.SendAsync(plain.Agent.CreateForPerson(HttpMethod.Post, "/v1/evaluate", Evaluate, token));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "person_token_invalid");
        Assert.Contains("no OpenID provider", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_WithAPerson_TheUpstreamNeverSeesThePersonsToken()
    {
        await using var gw = await PersonGateway.StartAsync();
        var token = gw.Provider.Issue("erin@example.com");

        using var response = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", Evaluate, token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(gw.Gateway.Upstream.To("/crm"));
        Assert.DoesNotContain(received.Headers, h => h.Value.Contains(token, StringComparison.Ordinal));
        Assert.False(received.Headers.ContainsKey(SignatureHeaders.Person));
        Assert.Equal("Bearer " + GovernedGateway.Credentials["crm-token"], received.Headers["Authorization"]);
    }

    [Fact]
    public async Task Evaluate_RuleOnPersonGroups_BlocksThatGroupOnly()
    {
        await using var gw = await PersonGateway.StartAsync(text => text.Replace("rules:\n", """
            rules:
              - id: contractors-no-crm
                match: { tools: [crm.read_contact], person_groups: [contractors] }
                effect: block
                reason: contractors_may_not_read_crm

            """, StringComparison.Ordinal));

        using var contractor = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, gw.Provider.Issue("carl@example.com", ["contractors"]));
        using var employee = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, gw.Provider.Issue("erin@example.com", ["staff"]));
        using var nobody = await gw.Gateway.Agent.PostJsonAsync("/v1/evaluate", Evaluate);

        Assert.Equal("block", await DecisionAsync(contractor));
        Assert.Equal("allow", await DecisionAsync(employee));
        Assert.Equal("allow", await DecisionAsync(nobody));
    }

    private static string BadToken(TestOpenIdProvider provider, string kind)
    {
        const string Subject = "erin@example.com";
        return kind switch
        {
            "forged" => provider.Forged(Subject),
            "expired" => provider.Issue(Subject, notBefore: DateTime.UtcNow.AddMinutes(-20), lifetime: TimeSpan.FromMinutes(10)),
            "not_yet_valid" => provider.Issue(Subject, notBefore: DateTime.UtcNow.AddMinutes(10)),
            "wrong_audience" => provider.Issue(Subject, audience: "another-service"),
            "no_audience" => provider.Issue(Subject, audience: null),
            "wrong_issuer" => provider.Issue(Subject, issuer: "https://evil.example.com"),
            "alg_none" => provider.Unsigned(Subject),
            "hmac_with_public_key" => provider.HmacWithPublicKey(Subject),
            "no_expiry" => NoExpiry(provider),
            "unpublished_key" => provider.Issue(Subject, credentials: new Microsoft.IdentityModel.Tokens.SigningCredentials(
                new Microsoft.IdentityModel.Tokens.RsaSecurityKey(System.Security.Cryptography.RSA.Create(2048)) { KeyId = "unknown-" + Guid.NewGuid().ToString("N") },
                Microsoft.IdentityModel.Tokens.SecurityAlgorithms.RsaSha256)),
            "tampered_payload" => Tampered(provider.Issue(Subject)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    /// <summary>A token whose payload was changed after it was signed (another subject).</summary>
    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[1]))
            .Replace("erin@example.com", "root@example.com", StringComparison.Ordinal);
        return parts[0] + "." + Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(payload) + "." + parts[2];
    }

    private static string NoExpiry(TestOpenIdProvider provider)
    {
        var descriptor = new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = provider.Issuer,
            Audience = TestOpenIdProvider.Audience,
            Claims = new Dictionary<string, object> { ["sub"] = "erin@example.com" },
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(provider.SigningKey, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.RsaSha256),
        };
        return new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>The decision <paramref name="response"/> answers.</summary>
    internal static async Task<string?> DecisionAsync(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("decision").GetString();
    }

    /// <summary>The audit record of <paramref name="response"/>'s request.</summary>
    internal static async Task<JsonElement> RecordAsync(PersonGateway gw, HttpResponseMessage response)
    {
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        using var admin = gw.Gateway.Admin();
        using var page = JsonDocument.Parse(await admin.GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000"));
        return Assert.Single(page.RootElement.GetProperty("records").EnumerateArray(),
            r => r.TryGetProperty("request_id", out var id) && id.GetString() == requestId).Clone();
    }
}
