using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// <c>/oauth/authorize</c> and the metadata: a redirect URI that differs from the registered one by path, by port (not
/// loopback) or by scheme is refused without a redirect; a loopback one on another port is accepted (RFC 8252); a missing
/// or <c>plain</c> PKCE challenge, a missing resource and another response type go back to the client with their error
/// and <c>iss</c> (RFC 9207); the metadata lists the grant.
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
