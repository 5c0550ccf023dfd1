using System.Net;
using System.Text.Json;
using Gateway.Authorization.AccessTokens;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// <c>/oauth/authorize</c> and the metadata: a redirect URI that differs from the registered one by path, by port (not
/// loopback) or by scheme is refused without a redirect; a loopback one on another port is accepted (RFC 8252); a missing
/// or <c>plain</c> PKCE challenge, a missing resource and another response type go back to the client with their error
/// and <c>iss</c> (RFC 9207); the metadata lists the grant; a metadata document another tenant lists too still signs the
/// demo tenant's people in.
/// </summary>
public sealed class AuthorizeEndpointTests(InteractiveGatewayFixture fixture) : IClassFixture<InteractiveGatewayFixture>
{
    private InteractiveGateway Gw => fixture.Gateway;

    [Theory]
    [InlineData("https://client.example/other")]
    [InlineData("https://client.example:8443/cb")]
    [InlineData("http://client.example/cb")]
    [InlineData("http://127.0.0.1/other")]
    [InlineData("https://client.example/cb?x=1")]
    public async Task Authorize_RedirectUriNotRegistered_IsRefusedWithoutRedirect(string redirectUri)
    {
        using var browser = Gw.Browser();

        using var response = await browser.GetAsync(Gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge, redirectUri));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.Null(response.Headers.Location);
    }

    [Theory]
    [InlineData("http://127.0.0.1:51234/callback")]
    [InlineData("http://127.0.0.1/callback")]
    public async Task Authorize_LoopbackRedirectOnAnyPort_GoesToTheConsent(string redirectUri)
    {
        using var browser = Gw.Browser();

        using var response = await browser.GetAsync(Gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge, redirectUri));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/console/demo/authorize?request=", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_UnknownClient_IsRefusedWithoutRedirect()
    {
        using var browser = Gw.Browser();

        using var response = await browser.GetAsync(Gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge, clientId: "someone-else"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_client", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Authorize_MetadataDocumentClientAlsoListedByAnotherTenant_StillGoesToTheConsent()
    {
        // Another tenant (globex) lists the same client's metadata document URL: the demo tenant's people still sign in
        // with it, the tenant chosen by the person's sign-in, and the code and tokens are the demo agent's.
        await using var documents = await KestrelUpstream.StartAsync(app => app.MapGet("/ide.json", (HttpContext c) =>
            Results.Json(new { client_id = c.Request.Scheme + "://" + c.Request.Host + "/ide.json", redirect_uris = new[] { InteractiveGateway.LoopbackRedirect } })));
        var clientId = documents.Origin + "/ide.json";
        await using var gw = await InteractiveGateway.StartAsync(dynamicRegistration: false, [$"{{ client_id: \"{clientId}\" }}"],
            settings: new Dictionary<string, string?> { ["Gateway:AccessTokens:AllowInternalClientMetadataDocuments"] = "true" });
        await gw.AddGlobexAsync($"clients: [{{ client_id: \"{clientId}\" }}]");
        using var browser = gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();
        using (var first = await browser.GetAsync(gw.AuthorizeUrl(challenge, clientId: clientId)))
        {
            // The browser goes to the page that asks which tenant the person signs in to: both are offered.
            Assert.StartsWith("/console/authorize?request=", first.Headers.Location!.OriginalString, StringComparison.Ordinal);
            await gw.ChooseDemoAsync(browser, first.Headers.Location!.OriginalString, null, "globex");
        }

        var (redirect, _) = await gw.AuthorizeAsync(browser, "alice", [], challenge, clientId: clientId);
        var (status, json) = await gw.TokenAsync(("grant_type", "authorization_code"), ("client_id", clientId), ("code", InteractiveGateway.CodeOf(redirect)),
            ("redirect_uri", InteractiveGateway.LoopbackRedirect), ("code_verifier", verifier));

        Assert.True(status == HttpStatusCode.OK, json.ToString());
        var read = gw.Gateway.Host.Services.GetRequiredService<AccessTokenFormat>().Read(json.GetProperty("access_token").GetString()!, gw.Origin, gw.Resource, DateTimeOffset.UtcNow);
        Assert.Equal(("demo", "demo-agent"), (read.Subject!.Tenant, read.Subject.Agent));
        using var mcp = await gw.InitializeAsync(json.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, mcp.StatusCode);
    }

    [Theory]
    [InlineData("missing", "invalid_request")]
    [InlineData("plain", "invalid_request")]
    [InlineData("no-method", "invalid_request")]
    [InlineData("no-resource", "invalid_target")]
    [InlineData("other-resource", "invalid_target")]
    [InlineData("token", "unsupported_response_type")]
    public async Task Authorize_BadRequest_GoesBackToTheClientWithItsErrorAndIss(string kind, string error)
    {
        using var browser = Gw.Browser();
        var challenge = InteractiveGateway.NewPkce().Challenge;
        var url = kind switch
        {
            "missing" => Gw.AuthorizeUrl(null),
            "plain" => Gw.AuthorizeUrl(challenge, method: "plain"),
            "no-method" => Gw.AuthorizeUrl(challenge, method: null),
            "no-resource" => Gw.AuthorizeUrl(challenge, resource: null),
            "other-resource" => Gw.AuthorizeUrl(challenge, resource: "https://elsewhere.example/mcp"),
            _ => Gw.AuthorizeUrl(challenge, responseType: "token"),
        };

        using var response = await browser.GetAsync(url);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(InteractiveGateway.LoopbackRedirect + "?", location.OriginalString, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal(error, query["error"].ToString());
        Assert.Equal("st-1", query["state"].ToString());
        Assert.Equal(Gw.Origin, query["iss"].ToString());
        Assert.False(query.ContainsKey("code"));
    }

    [Fact]
    public async Task Metadata_ListsTheAuthorizationCodeGrantWithS256Only()
    {
        var json = JsonDocument.Parse(await Gw.Gateway.Host.Client.GetStringAsync("/.well-known/oauth-authorization-server")).RootElement;

        Assert.Equal(["code"], json.GetProperty("response_types_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["S256"], json.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("authorization_code", json.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("refresh_token", json.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.True(json.GetProperty("authorization_response_iss_parameter_supported").GetBoolean());
        Assert.False(json.GetProperty("client_id_metadata_document_supported").GetBoolean(), "no agent lists a client by its metadata document");
        Assert.False(json.TryGetProperty("registration_endpoint", out _));
    }

    [Fact]
    public async Task Register_NoAgentAllowsIt_IsNotServed()
    {
        using var response = await Gw.Gateway.Host.Client.PostAsync("/oauth/register",
            new StringContent("""{"redirect_uris":["http://127.0.0.1/cb"]}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
