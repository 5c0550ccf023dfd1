using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// What /mcp says to a client refused at authentication, against the real gateway: a client without credentials gets the
/// RFC 9728 challenge and nothing about the signing headers; a client that presented a token gets an OAuth error code in
/// the challenge; an agent that signs and sent part of a signed request keeps the agent protocol's own refusal.
/// </summary>
public sealed class BearerChallengeTests : IAsyncLifetime
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";
    private DemoBundle _bundle = null!;
    private GatewayHost _host = null!;
    private OAuthClient _oauth = null!;

    public async Task InitializeAsync()
    {
        _bundle = DemoBundle.Create();
        _host = await GatewayHost.StartAsync(_bundle.Directory);
        _oauth = new OAuthClient(_host.Client, _bundle.AgentSecret);
    }

    public async Task DisposeAsync()
    {
        _oauth.Dispose();
        await _host.DisposeAsync();
        _bundle.Dispose();
    }

    private string Metadata => $"resource_metadata=\"{_oauth.Origin}/.well-known/oauth-protected-resource/mcp\"";

    [Fact]
    public async Task Mcp_NoCredentials_IsTheResourceMetadataChallengeWithoutAnErrorOrGatewayHeaders()
    {
        using var response = await _host.Client.SendAsync(McpPost(Initialize));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "access_token_missing");
        var bearer = Assert.Single(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.Equal(Metadata, bearer.Parameter);
        Assert.Contains($"{_oauth.Origin}/.well-known/oauth-protected-resource/mcp", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("X-Gamut", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Mcp_AuthorizationOfAnotherScheme_IsTreatedAsNoCredentials()
    {
        using var request = McpPost(Initialize);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("a:b")));

        using var response = await _host.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "access_token_missing");
        Assert.Equal(Metadata, Assert.Single(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer").Parameter);
    }

    [Fact]
    public async Task Mcp_PartialSignedRequest_KeepsTheSigningRefusal()
    {
        using var request = McpPost(Initialize);
        request.Headers.Add("X-Gamut-Tenant", DemoBundle.Tenant);

        using var response = await _host.Client.SendAsync(request);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "missing_header");
        Assert.Contains("X-Gamut-", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("error=", Assert.Single(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer").Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mcp_ForgedToken_IsInvalidTokenInTheChallenge()
    {
        using var response = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, "/mcp", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA", Initialize));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "access_token_invalid");
        Assert.Equal(Metadata + ", error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer").Parameter);
    }

    [Fact]
    public async Task Mcp_DpopBoundTokenSentAsBearer_IsInvalidDpopProofInBothChallenges()
    {
        var token = await _oauth.TokenAsync("/mcp", dpop: true);

        using var response = await _host.Client.SendAsync(_oauth.WithToken(HttpMethod.Post, "/mcp", token, Initialize));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "dpop_proof_invalid");
        Assert.Equal(Metadata + ", error=\"invalid_dpop_proof\"", Assert.Single(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer").Parameter);
        Assert.EndsWith(Metadata + ", error=\"invalid_dpop_proof\"", Assert.Single(response.Headers.WwwAuthenticate, h => h.Scheme == "DPoP").Parameter, StringComparison.Ordinal);
    }

    private static HttpRequestMessage McpPost(string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        return request;
    }
}
