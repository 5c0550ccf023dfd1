using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Oversight.Agents;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// OAuth for clients that cannot sign, against the real gateway: discovery documents, the token endpoint (a
/// client_secret_jwt assertion or a signed request; never the secret), and a test-only endpoint marked
/// <see cref="AccessTokenResourceMetadata"/> that admits the request exactly as the approval poll does (nonce, kill
/// switches) and answers with the identity it was given. /mcp carries the marker once it is on main.
/// </summary>
public sealed class AccessTokenTests : IAsyncLifetime
{
    private const string ProbePath = "/test/oauth-probe";
    private const string SignedOnlyPath = "/test/signed-only";
    private DemoBundle _bundle = null!;
    private GatewayHost _host = null!;
    private OAuthClient _oauth = null!;

    public async Task InitializeAsync()
    {
        _bundle = DemoBundle.Create();
        _host = await GatewayHost.StartAsync(_bundle.Directory, map: MapProbes);
        _oauth = new OAuthClient(_host.Client, _bundle.AgentSecret);
    }

    public async Task DisposeAsync()
    {
        _oauth.Dispose();
        await _host.DisposeAsync();
        _bundle.Dispose();
    }

    private string Origin => _oauth.Origin;

    [Fact]
    public async Task ProtectedResourceMetadata_MarkedEndpointsAndTheRoot_NameTheResourceAndTheGatewayAsAuthorizationServer()
    {
        foreach (var (path, resource) in new[] { ("/.well-known/oauth-protected-resource" + ProbePath, ProbePath), ("/.well-known/oauth-protected-resource/mcp", "/mcp"), ("/.well-known/oauth-protected-resource", "/mcp") })
        {
            var json = await GetJsonAsync(path);

            Assert.Equal(Origin + resource, json.GetProperty("resource").GetString());
            Assert.Equal([Origin], json.GetProperty("authorization_servers").EnumerateArray().Select(static e => e.GetString()));
            Assert.Equal(["header"], json.GetProperty("bearer_methods_supported").EnumerateArray().Select(static e => e.GetString()));
            Assert.Equal(["ES256"], json.GetProperty("dpop_signing_alg_values_supported").EnumerateArray().Select(static e => e.GetString()));
        }

        using var unmarked = await _host.Client.GetAsync("/.well-known/oauth-protected-resource" + SignedOnlyPath);
        Assert.Equal(HttpStatusCode.NotFound, unmarked.StatusCode);
    }

    [Fact]
    public async Task AuthorizationServerMetadata_AdvertisesClientCredentialsAuthorizationCodeAndDpop()
    {
        var json = await GetJsonAsync("/.well-known/oauth-authorization-server");

        Assert.Equal(Origin, json.GetProperty("issuer").GetString());
        Assert.Equal(Origin + "/oauth/token", json.GetProperty("token_endpoint").GetString());
        Assert.Equal(["client_credentials", "authorization_code", "refresh_token"], json.GetProperty("grant_types_supported").EnumerateArray().Select(static e => e.GetString()));
        Assert.Equal(["client_secret_jwt", "private_key_jwt", "none"], json.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(static e => e.GetString()));
        Assert.Equal(["HS256", "EdDSA", "ES256"], json.GetProperty("token_endpoint_auth_signing_alg_values_supported").EnumerateArray().Select(static e => e.GetString()));
        Assert.Equal(["ES256"], json.GetProperty("dpop_signing_alg_values_supported").EnumerateArray().Select(static e => e.GetString()));
    }

    [Fact]
    public async Task Token_ClientSecretJwtAssertion_IssuesABearerTokenGivingTheSignedRequestsIdentity()
    {
        using var response = await _oauth.RequestTokenAsync(_oauth.TokenForm(ProbePath));
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
        Assert.Equal(300, json.GetProperty("expires_in").GetInt32());
        var token = json.GetProperty("access_token").GetString()!;
        var claims = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1])).RootElement;
        Assert.Equal(Origin + ProbePath, claims.GetProperty("aud").GetString());
        Assert.Equal(DemoBundle.Agent, claims.GetProperty("sub").GetString());
        Assert.Equal(DemoBundle.Tenant, claims.GetProperty("tenant").GetString());
        Assert.False(claims.TryGetProperty("cnf", out _));

        using var byToken = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, ProbePath, token, """{"hello":1}"""));
        using var bySignature = await new AgentClient(_host.Client, _bundle.AgentSecret).PostJsonAsync(ProbePath, """{"hello":1}""");
        Assert.Equal(HttpStatusCode.OK, byToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bySignature.StatusCode);
        var viaToken = JsonDocument.Parse(await byToken.Content.ReadAsStringAsync()).RootElement;
        var viaSignature = JsonDocument.Parse(await bySignature.Content.ReadAsStringAsync()).RootElement;
        foreach (var member in new[] { "tenant", "workspace", "agent", "name", "body" })
        {
            Assert.Equal(viaSignature.GetProperty(member).GetString(), viaToken.GetProperty(member).GetString());
        }
    }

    [Fact]
    public async Task Token_SignedRequestInsteadOfAnAssertion_IssuesAToken()
    {
        var body = Encoding.UTF8.GetBytes("grant_type=client_credentials&resource=" + Uri.EscapeDataString(Origin + ProbePath));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        var agent = new AgentClient(_host.Client, _bundle.AgentSecret);
        agent.Signer.Sign(request, body);
        var replay = await AgentClient.CloneAsync(request);

        using var response = await _host.Client.SendAsync(request);
        using var replayed = await _host.Client.SendAsync(replay);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await AssertOAuthErrorAsync(replayed, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Token_SignedByADelegatedChild_IsInvalidClient()
    {
        var (child, _) = await DelegationCalls.DelegateAsync(new AgentClient(_host.Client, _bundle.AgentSecret), _host.Client);
        var body = Encoding.UTF8.GetBytes("grant_type=client_credentials&resource=" + Uri.EscapeDataString(Origin + ProbePath));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        child.Signer.Sign(request, body);

        using var response = await _host.Client.SendAsync(request);

        await AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_AssertionSignedWithAnotherSecret_IsInvalidClient()
    {
        using var response = await _oauth.RequestTokenAsync(_oauth.TokenForm(ProbePath, _oauth.Assertion(secret: "not-the-agents-secret-0123456789abcdef")));

        await AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_ExpiredOrTooLongLivedAssertion_IsInvalidClient()
    {
        using var expired = await _oauth.RequestTokenAsync(_oauth.TokenForm(ProbePath, _oauth.Assertion(lifetime: TimeSpan.FromSeconds(-5))));
        using var tooLong = await _oauth.RequestTokenAsync(_oauth.TokenForm(ProbePath, _oauth.Assertion(lifetime: TimeSpan.FromHours(1))));
        using var otherAudience = await _oauth.RequestTokenAsync(_oauth.TokenForm(ProbePath, _oauth.Assertion(audience: "https://elsewhere.example")));
        using var unknownAgent = await _oauth.RequestTokenAsync(_oauth.TokenForm(ProbePath, _oauth.Assertion(subject: "demo/ws-demo/nobody")));

        await AssertOAuthErrorAsync(expired, HttpStatusCode.Unauthorized, "invalid_client");
        await AssertOAuthErrorAsync(tooLong, HttpStatusCode.Unauthorized, "invalid_client");
        await AssertOAuthErrorAsync(otherAudience, HttpStatusCode.Unauthorized, "invalid_client");
        await AssertOAuthErrorAsync(unknownAgent, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Theory]
    [InlineData("eyJhbGciOiJcdWQ4MDAifQ.e30.AAAA")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJcdWRjMDAifQ.AAAA")]
    public async Task Token_ClientAssertionEscapingALoneSurrogate_IsInvalidClient(string assertion)
    {
        // The header {"alg":"\ud800"} or the payload {"sub":"\udc00"}: a malformed assertion, never a 500.
        using var response = await _oauth.RequestTokenAsync(_oauth.TokenForm(ProbePath, assertion));

        await AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_ReplayedAssertion_IsInvalidGrant()
    {
        var assertion = _oauth.Assertion();

        using var first = await _oauth.RequestTokenAsync(_oauth.TokenForm(ProbePath, assertion));
        using var second = await _oauth.RequestTokenAsync(_oauth.TokenForm(ProbePath, assertion));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await AssertOAuthErrorAsync(second, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Token_RuntimeSecretSentAsClientSecret_IsInvalidClient()
    {
        using var response = await _oauth.RequestTokenAsync(_oauth.TokenForm(ProbePath, null, ("client_secret", _bundle.AgentSecret)));

        await AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_ResourceThatIsNotAProtectedEndpoint_IsInvalidTarget()
    {
        using var other = await _oauth.RequestTokenAsync(_oauth.TokenForm(SignedOnlyPath));
        using var foreign = await _oauth.RequestTokenAsync(new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = _oauth.Assertion(),
            ["resource"] = "https://elsewhere.example" + ProbePath,
        }));

        await AssertOAuthErrorAsync(other, HttpStatusCode.BadRequest, "invalid_target");
        await AssertOAuthErrorAsync(foreign, HttpStatusCode.BadRequest, "invalid_target");
    }

    [Fact]
    public async Task Token_AgentWhoseSecretIsRevokedOrWhoIsSuspended_IsRefused()
    {
        var status = _host.Services.GetRequiredService<AgentStatusService>();

        await status.SuspendAsync(DemoBundle.Tenant, DemoBundle.Agent, "test");
        using var suspended = await _oauth.RequestTokenAsync(_oauth.TokenForm(ProbePath));
        await status.RevokeSecretAsync(DemoBundle.Tenant, DemoBundle.Agent, "test");
        using var revoked = await _oauth.RequestTokenAsync(_oauth.TokenForm(ProbePath));

        await AssertOAuthErrorAsync(suspended, HttpStatusCode.BadRequest, "invalid_grant");
        await AssertOAuthErrorAsync(revoked, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Endpoint_BearerTokenAfterTheAgentsKillSwitch_IsRefusedAtOnce()
    {
        var token = await _oauth.TokenAsync(ProbePath);
        using var before = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, ProbePath, token, "{}"));

        await _host.Services.GetRequiredService<AgentStatusService>().RevokeSecretAsync(DemoBundle.Tenant, DemoBundle.Agent, "test");
        using var after = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, ProbePath, token, "{}"));

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Unauthorized, "secret_revoked");
    }

    [Fact]
    public async Task Endpoint_DpopBoundTokenWithAProofForTheRequest_IsAccepted()
    {
        var token = await _oauth.TokenAsync(ProbePath, dpop: true);
        var claims = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1])).RootElement;

        using var response = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, ProbePath, token, "{}",
            _oauth.Proof("POST", Origin + ProbePath, token)));

        Assert.True(claims.GetProperty("cnf").TryGetProperty("jkt", out _));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Endpoint_DpopBoundTokenWithoutAValidProof_IsRefused()
    {
        var token = await _oauth.TokenAsync(ProbePath, dpop: true);
        using var otherKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);

        using var asBearer = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, ProbePath, token, "{}"));
        using var noProof = await _host.Client.SendAsync(WithoutProof(_oauth.WithToken(HttpMethod.Post, ProbePath, token, "{}", "x")));
        using var anotherKey = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, ProbePath, token, "{}", _oauth.Proof("POST", Origin + ProbePath, token, key: otherKey)));
        using var otherUrl = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, ProbePath, token, "{}", _oauth.Proof("POST", Origin + "/elsewhere", token)));
        using var noAth = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, ProbePath, token, "{}", _oauth.Proof("POST", Origin + ProbePath)));
        using var stale = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, ProbePath, token, "{}",
            _oauth.Proof("POST", Origin + ProbePath, token, iat: DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds())));

        foreach (var response in new[] { asBearer, noProof, anotherKey, otherUrl, noAth, stale })
        {
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "dpop_proof_invalid");
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "DPoP");
        }
    }

    [Fact]
    public async Task Endpoint_ReplayedDpopProof_IsRefusedAsReplayedNonce()
    {
        var token = await _oauth.TokenAsync(ProbePath, dpop: true);
        var proof = _oauth.Proof("POST", Origin + ProbePath, token);

        using var first = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, ProbePath, token, "{}", proof));
        using var second = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, ProbePath, token, "{}", proof));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.Unauthorized, "replayed_nonce");
    }

    [Fact]
    public async Task Endpoint_TamperedOrMissingToken_IsRefusedWithTheResourceMetadataChallenge()
    {
        var token = await _oauth.TokenAsync(ProbePath);
        var parts = token.Split('.');
        var tampered = parts[0] + "." + Base64UrlEncode(Base64UrlDecode(parts[1]).Replace(DemoBundle.Agent, "rogue-agent", StringComparison.Ordinal)) + "." + parts[2];

        using var forged = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, ProbePath, tampered, "{}"));
        using var missing = await _host.Client.PostAsync(ProbePath, new StringContent("{}"));

        await ProblemAssert.IsProblemAsync(forged, HttpStatusCode.Unauthorized, "access_token_invalid");
        await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.Unauthorized, "access_token_missing");
        var challenge = Assert.Single(missing.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.Equal($"resource_metadata=\"{Origin}/.well-known/oauth-protected-resource{ProbePath}\"", challenge.Parameter);
    }

    [Fact]
    public async Task Endpoint_WithoutTheMarker_DoesNotAcceptATokenIssuedForAnother()
    {
        var token = await _oauth.TokenAsync(ProbePath);

        using var response = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, SignedOnlyPath, token, "{}"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "missing_header");
        Assert.Empty(response.Headers.WwwAuthenticate);
    }

    private static HttpRequestMessage WithoutProof(HttpRequestMessage request)
    {
        request.Headers.Remove("DPoP");
        return request;
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _host.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task AssertOAuthErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {error}, got {(int)response.StatusCode}: {text}");
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("error_description").GetString()));
        Assert.DoesNotContain("access_token", text, StringComparison.Ordinal);
    }

    private static string Base64UrlDecode(string text) => Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(text));

    private static string Base64UrlEncode(string text) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    /// <summary>The marked probe admits the request as the approval poll does and answers with what it was given; the other is signed-only.</summary>
    private static void MapProbes(WebApplication app)
    {
        app.MapPost(ProbePath, static (HttpContext context, AdmissionGate admission) => AnswerAsync(context, admission))
            .RequireAgentSignature()
            .AcceptAccessTokens(ProbePath);
        app.MapPost(SignedOnlyPath, static (HttpContext context, AdmissionGate admission) => AnswerAsync(context, admission))
            .RequireAgentSignature();
    }

    private static async Task AnswerAsync(HttpContext context, AdmissionGate admission)
    {
        var authenticated = context.GatewayRequest().Get<AuthenticatedRequest>();
        var admitted = await admission.AdmitAsync(null, authenticated.Identity, null, context.RequestAborted);
        if (admitted.Verdict != AdmissionVerdict.Admitted)
        {
            await RefusalResponse.WriteAsync(context, AdmissionRefusal.For(admitted, tool: null));
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["tenant"] = authenticated.Identity.Tenant,
            ["workspace"] = authenticated.Identity.Workspace,
            ["agent"] = authenticated.Identity.Agent,
            ["name"] = context.User.Identity?.Name,
            ["suspended"] = admitted.Identity!.Suspended,
            ["body"] = Encoding.UTF8.GetString(authenticated.Body.Span),
        }));
    }
}
