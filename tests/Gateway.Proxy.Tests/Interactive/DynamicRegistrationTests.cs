using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Authorization.AccessTokens;
using Gateway.Authorization.Interactive;
using Gateway.Proxy.Tests.Console;
using Gateway.Store;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// Dynamic client registration (RFC 7591) with the demo agent's <c>interactive.dynamic_registration: true</c>: the
/// metadata names the endpoint; a public client with a loopback redirect registers, and the person's flow with the id it
/// got gives a token that acts on <c>/mcp</c>, and its refresh token stops with its registration; a confidential client, a plain-http redirect off loopback, and another
/// grant type are refused with their RFC 7591 errors. Without the setting there is no endpoint (<see cref="AuthorizeEndpointTests"/>'
/// gateway: 404, and no <c>registration_endpoint</c> in the metadata). Another tenant allowing registration too makes no
/// registered client ambiguous: the person's sign-in chooses the tenant, and only its agents.
/// </summary>
public sealed class DynamicRegistrationTests : IAsyncLifetime
{
    private InteractiveGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await InteractiveGateway.StartAsync(dynamicRegistration: true, []);

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Register_PublicClient_ItsIdSignsThePersonInAndActsOnMcp()
    {
        var metadata = JsonDocument.Parse(await _gw.Gateway.Host.Client.GetStringAsync("/.well-known/oauth-authorization-server")).RootElement;
        Assert.Equal(_gw.Origin + "/oauth/register", metadata.GetProperty("registration_endpoint").GetString());

        var (status, registered) = await RegisterAsync("""{"client_name":"Some IDE","redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"response_types":["code"]}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var clientId = registered.GetProperty("client_id").GetString()!;
        Assert.StartsWith("dyn_", clientId, StringComparison.Ordinal);
        Assert.False(registered.TryGetProperty("client_secret", out _));

        var (tokenStatus, tokens) = await AuthorizeAsync(clientId);

        Assert.Equal(HttpStatusCode.OK, tokenStatus);
        using var mcp = await _gw.InitializeAsync(tokens.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, mcp.StatusCode);
    }

    [Fact]
    public async Task Authorize_AnotherTenantAlsoAllowsRegistration_RegisteredClientStillGoesToTheConsent()
    {
        // Another tenant (globex) allows registration too: a registered client is not ambiguous for that; the person's
        // sign-in chooses the tenant, and the code and tokens are the demo agent's.
        await _gw.AddGlobexAsync("dynamic_registration: true");
        var clientId = await RegisterPublicClientAsync();

        var (status, tokens) = await AuthorizeAsync(clientId);

        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        var read = _gw.Gateway.Host.Services.GetRequiredService<AccessTokenFormat>().Read(tokens.GetProperty("access_token").GetString()!, _gw.Origin, _gw.Resource, DateTimeOffset.UtcNow);
        Assert.Equal(("demo", "demo-agent"), (read.Subject!.Tenant, read.Subject.Agent));
        using var mcp = await _gw.InitializeAsync(tokens.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, mcp.StatusCode);
    }

    [Fact]
    public async Task Authorize_SessionOfACandidateTenantWhoseAgentDoesNotListThePerson_ListsTheTenantsAndKeepsTheRequest()
    {
        // zed is listed by globex's agent only. Signed in at the demo tenant, its consent page issues no code and takes
        // nothing: it refuses and links back to the choice, which lists both tenants (not straight back to demo), and
        // globex's link still holds the request.
        using var browser = _gw.Browser();
        var (choicePath, consentPath) = await RegisterWithGlobexAndChooseDemoAsync(browser);
        var session = await _gw.SignInAsync(browser, consentPath, "zed", []);

        using var refused = await browser.SendAsync(ConsoleHttp.Get(consentPath, session));
        var refusal = await refused.Content.ReadAsStringAsync();
        using var choice = await browser.SendAsync(ConsoleHttp.Get(choicePath, session));
        var listed = await choice.Content.ReadAsStringAsync();
        using var globex = await browser.SendAsync(ConsoleHttp.Get(choicePath.Replace("/console/", "/console/globex/", StringComparison.Ordinal), session));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Null(refused.Headers.Location);
        Assert.Contains($"href=\"{choicePath}\"", refusal, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, choice.StatusCode);
        Assert.Contains($"href=\"{choicePath.Replace("/console/", "/console/globex/", StringComparison.Ordinal)}\"", listed, StringComparison.Ordinal);
        Assert.Contains($"href=\"{consentPath}\"", listed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, globex.StatusCode);
        Assert.StartsWith("/console/globex/sign-in?return=", globex.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_OpenRequestNarrowedToOneTenantPersonNotListed_RedirectsAccessDenied()
    {
        // An open request of demo and globex; a reload leaves only demo's agent accepting registered clients. zed, whom
        // demo's agent does not list, has no other tenant to choose: the client is told access_denied, the request taken.
        using var browser = _gw.Browser();
        var (choicePath, consentPath) = await RegisterWithGlobexAndChooseDemoAsync(browser);
        await _gw.AddGlobexAsync("clients: [{ client_id: globex-ide, redirect_uris: [\"http://127.0.0.1/callback\"] }]");
        var session = await _gw.SignInAsync(browser, consentPath, "zed", []);

        using var refused = await browser.SendAsync(ConsoleHttp.Get(consentPath, session));
        using var again = await browser.SendAsync(ConsoleHttp.Get(consentPath, session));

        Assert.True(refused.StatusCode == HttpStatusCode.Redirect, $"{(int)refused.StatusCode}: {await refused.Content.ReadAsStringAsync()}");
        var redirect = refused.Headers.Location!;
        Assert.StartsWith("http://127.0.0.1/callback?", redirect.OriginalString, StringComparison.Ordinal);
        Assert.Equal("access_denied", QueryHelpers.ParseQuery(redirect.Query)["error"].ToString());
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
    }

    [Fact]
    public async Task Refresh_RegistrationExpired_IsInvalidClientAndTheFamilyIsRevoked()
    {
        var clientId = await RegisterPublicClientAsync();
        var (_, tokens) = await AuthorizeAsync(clientId);
        var refreshToken = tokens.GetProperty("refresh_token").GetString()!;
        var store = _gw.Gateway.Host.Services.GetRequiredService<IStateStore>();
        Assert.True(await store.DeleteAsync(RegisteredClients.Key(clientId)));

        var (status, refused) = await _gw.TokenAsync(("grant_type", "refresh_token"), ("client_id", clientId), ("refresh_token", refreshToken));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", refused.GetProperty("error").GetString());
        Assert.Null(await store.GetAsync(RegisteredClients.Key(clientId)));
    }

    [Theory]
    [InlineData("""{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"client_secret_basic"}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["http://ide.example/cb"]}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":[]}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["http://127.0.0.1/cb"],"grant_types":["client_credentials"]}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["http://127.0.0.1/cb"],"redirect_uris":["http://127.0.0.1/other"]}""", "invalid_client_metadata")]
    public async Task Register_MetadataTheGatewayDoesNotServe_IsRefused(string body, string error)
    {
        var (status, json) = await RegisterAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Authorize_UnregisteredDynamicLookingId_IsRefusedWithoutRedirect()
    {
        using var browser = _gw.Browser();

        using var response = await browser.GetAsync(_gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge, clientId: "dyn_never-registered"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    // Registers a public client with a loopback redirect: its id.
    private async Task<string> RegisterPublicClientAsync()
    {
        var (_, registered) = await RegisterAsync("""{"redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none"}""");
        return registered.GetProperty("client_id").GetString()!;
    }

    // alice's flow with the registered clientId, its code exchanged at the token endpoint: that answer.
    private async Task<(HttpStatusCode Status, JsonElement Tokens)> AuthorizeAsync(string clientId)
    {
        using var browser = _gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();
        var (redirect, _) = await _gw.AuthorizeAsync(browser, "alice", [], challenge, redirectUri: "http://127.0.0.1:40001/callback", clientId: clientId);
        return await _gw.TokenAsync(("grant_type", "authorization_code"), ("client_id", clientId), ("code", InteractiveGateway.CodeOf(redirect)),
            ("redirect_uri", "http://127.0.0.1:40001/callback"), ("code_verifier", verifier));
    }

    // globex allowing registration too, a registered client's request in browser: the tenant choice's path, and demo's consent page's.
    private async Task<(string ChoicePath, string ConsentPath)> RegisterWithGlobexAndChooseDemoAsync(HttpClient browser)
    {
        await _gw.AddGlobexAsync("dynamic_registration: true");
        var clientId = await RegisterPublicClientAsync();
        using var start = await browser.GetAsync(_gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge, clientId: clientId));
        var choicePath = start.Headers.Location!.OriginalString;
        return (choicePath, await _gw.ChooseDemoAsync(browser, choicePath, null, "globex"));
    }

    private async Task<(HttpStatusCode Status, JsonElement Json)> RegisterAsync(string body)
    {
        using var response = await _gw.Gateway.Host.Client.PostAsync("/oauth/register", new StringContent(body, Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
