using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Proxy.Tests.Console;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Tests.Security;

/// <summary>
/// The OAuth issuer, every token's audience, the discovery documents and the console's redirect URI are spelled under
/// the configured public base URL, or in Development under a host the operator listed or the gateway listens on; never
/// under a <c>Host</c> header nobody vouched for (issue #45.3).
/// </summary>
public sealed class PublicOriginTests
{
    private const string ForeignHost = "other-gateway.example";

    [Fact]
    public async Task Token_AssertionForAnotherAuthorizationServerPresentedWithItsHost_IsRefused()
    {
        using var bundle = DemoBundle.Create();
        await using var host = await GatewayHost.StartAsync(bundle.Directory);
        using var oauth = new OAuthClient(host.Client, bundle.AgentSecret);
        var foreign = "http://" + ForeignHost;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = oauth.Assertion(audience: foreign + "/oauth/token"),
            ["resource"] = foreign + "/mcp",
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token") { Content = form };
        request.Headers.Host = ForeignHost;

        using var response = await host.Client.SendAsync(request);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("access_token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metadata_ForeignHostInDevelopment_NamesTheListeningOrigin()
    {
        using var bundle = DemoBundle.Create();
        await using var host = await GatewayHost.StartAsync(bundle.Directory);
        var listening = host.BaseAddress.GetLeftPart(UriPartial.Authority);

        var server = await GetJsonAsync(host.Client, "/.well-known/oauth-authorization-server", ForeignHost);
        var resource = await GetJsonAsync(host.Client, "/.well-known/oauth-protected-resource/mcp", ForeignHost);

        Assert.Equal(listening, server.GetProperty("issuer").GetString());
        Assert.Equal(listening + "/oauth/token", server.GetProperty("token_endpoint").GetString());
        Assert.Equal(listening + "/mcp", resource.GetProperty("resource").GetString());
        Assert.Equal([listening], resource.GetProperty("authorization_servers").EnumerateArray().Select(static e => e.GetString()));
    }

    [Fact]
    public async Task Metadata_HostListedInAllowedHosts_IsUsedInDevelopment()
    {
        using var bundle = DemoBundle.Create();
        await using var host = await GatewayHost.StartAsync(bundle.Directory, new Dictionary<string, string?> { ["Gateway:AccessTokens:AllowedHosts:0"] = "gateway.test:8443" });

        var server = await GetJsonAsync(host.Client, "/.well-known/oauth-authorization-server", "gateway.test:8443");
        var other = await GetJsonAsync(host.Client, "/.well-known/oauth-authorization-server", "gateway.test:9999");

        Assert.Equal("http://gateway.test:8443", server.GetProperty("issuer").GetString());
        Assert.Equal(host.BaseAddress.GetLeftPart(UriPartial.Authority), other.GetProperty("issuer").GetString());
    }

    [Fact]
    public async Task Metadata_ConfiguredPublicBaseUrl_WinsOverAnyHost()
    {
        using var bundle = DemoBundle.Create();
        await using var host = await GatewayHost.StartAsync(bundle.Directory, new Dictionary<string, string?> { ["Gateway:AccessTokens:PublicBaseUrl"] = "https://gateway.example.com" });

        var server = await GetJsonAsync(host.Client, "/.well-known/oauth-authorization-server", ForeignHost);

        Assert.Equal("https://gateway.example.com", server.GetProperty("issuer").GetString());
    }

    [Fact]
    public async Task Start_OutsideDevelopmentWithoutPublicBaseUrl_IsRefusedNamingTheSetting()
    {
        using var bundle = DemoBundle.Create();
        var keys = new[] { "DATA_ENCRYPTION_KEY", "DECISION_SIGNING_KEY", "GATEWAY_SERVICE_KEY" }
            .ToDictionary(static k => k, static _ => (string?)Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        keys["Gateway:AccessTokens:PublicBaseUrl"] = string.Empty;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(bundle.Directory, keys, environment: "Production"));

        Assert.Contains("Gateway:AccessTokens:PublicBaseUrl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsoleSignIn_ForeignHost_RedirectUriIsTheListeningOrigin()
    {
        await using var gw = await PersonGateway.StartAsync(settings: ConsoleOidcSignIn.DemoRoles);
        using var client = ConsoleOidcSignIn.Browser(gw);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/console/demo/sign-in");
        request.Headers.Host = ForeignHost;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var redirect = QueryHelpers.ParseQuery(response.Headers.Location!.Query)["redirect_uri"].ToString();
        Assert.Equal(gw.Gateway.Host.BaseAddress.GetLeftPart(UriPartial.Authority) + "/console/demo/callback", redirect);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path, string hostHeader)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = hostHeader;
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
