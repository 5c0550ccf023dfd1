using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Authorization.Interactive;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// What an anonymous registration costs the shared store: one no code was redeemed for lasts an authorization request's
/// time (each request made for it holds it that long again), its first code keeps it its whole lifetime, and its
/// redirect URIs take about the body's bytes in the store, never the default encoder's sixfold escapes (a registration
/// that would take more is refused). On the gateway's clock, a <see cref="ManualTimeProvider"/>.
/// </summary>
public sealed class DynamicRegistrationLifetimeTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);

    private InteractiveGateway _gw = null!;

    private IStateStore Store => _gw.Gateway.Host.Services.GetRequiredService<IStateStore>();

    public async Task InitializeAsync()
    {
        _gw = await InteractiveGateway.StartAsync(dynamicRegistration: true, [], configure: builder => builder.Services.AddSingleton<TimeProvider>(_clock));

        // The provider signs ID tokens on the machine's clock; the gateway's runs ahead of it here.
        _gw.IdTokenLifetime = TimeSpan.FromHours(1);
    }

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Register_NeverUsed_ExpiresWithTheAuthorizationRequestLifetime()
    {
        var clientId = await RegisterPublicClientAsync();
        using var browser = _gw.Browser();

        _clock.Advance(InteractiveGrants.RequestLifetime + InteractiveGrants.CodeLifetime + TimeSpan.FromSeconds(1));
        using var start = await browser.GetAsync(_gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge, clientId: clientId));

        Assert.Null(await Store.GetAsync(RegisteredClients.Key(clientId)));
        Assert.Equal(HttpStatusCode.BadRequest, start.StatusCode);
        Assert.Null(start.Headers.Location);
    }

    [Fact]
    public async Task Register_ThenAuthorized_IsKeptForItsFullLifetime()
    {
        var clientId = await RegisterPublicClientAsync();
        using var browser = _gw.Browser();

        // An authorization request just before the registration's time is up holds it while the person takes their time.
        _clock.Advance(InteractiveGrants.RequestLifetime - TimeSpan.FromMinutes(1));
        using var start = await browser.GetAsync(_gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge, clientId: clientId));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        _clock.Advance(InteractiveGrants.RequestLifetime - TimeSpan.FromMinutes(1));
        var (status, tokens) = await AuthorizeAsync(clientId);
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());

        // Its first code redeemed: kept the whole lifetime.
        _clock.Advance(RegisteredClients.Lifetime - TimeSpan.FromDays(1));

        Assert.Equal([InteractiveGateway.LoopbackRedirect], await _gw.Gateway.Host.Services.GetRequiredService<RegisteredClients>().RedirectUrisAsync(clientId, CancellationToken.None));
    }

    [Fact]
    public async Task Register_RedirectUrisFullOfAmpersands_StoredSizeStaysNearTheBody()
    {
        var uris = Enumerable.Range(0, 4).Select(i => $"https://client{i}.example/cb?" + string.Concat(Enumerable.Repeat("a&", 900))).ToList();
        var body = Metadata(uris);
        Assert.InRange(Encoding.UTF8.GetByteCount(body), 7 * 1024, 8 * 1024);

        var (status, registered) = await RegisterAsync(body);

        Assert.True(status == HttpStatusCode.Created, registered.ToString());
        var stored = await Store.GetAsync(RegisteredClients.Key(registered.GetProperty("client_id").GetString()!));
        Assert.InRange(Encoding.UTF8.GetByteCount(stored!), 1, Encoding.UTF8.GetByteCount(body));
    }

    [Fact]
    public async Task Register_RedirectUrisLongerStoredThanTheLimit_IsRefused()
    {
        // Characters outside the BMP are escaped in JSON (4 bytes in the body, 12 stored): the stored size is capped.
        var uris = Enumerable.Range(0, 4).Select(i => $"https://client{i}.example/cb?" + string.Concat(Enumerable.Repeat("\U0001F600", 450))).ToList();
        var body = Metadata(uris);
        Assert.InRange(Encoding.UTF8.GetByteCount(body), 7 * 1024, 8 * 1024);

        var (status, refused) = await RegisterAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_redirect_uri", refused.GetProperty("error").GetString());
    }

    // A public client's metadata with these redirect URIs, written as they are (nothing escaped).
    private static string Metadata(IEnumerable<string> redirectUris) =>
        "{\"redirect_uris\":[" + string.Join(",", redirectUris.Select(u => "\"" + u + "\"")) + "],\"token_endpoint_auth_method\":\"none\"}";

    // Registers a public client with a loopback redirect: its id.
    private async Task<string> RegisterPublicClientAsync()
    {
        var (status, registered) = await RegisterAsync("""{"redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none"}""");
        Assert.True(status == HttpStatusCode.Created, registered.ToString());
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

    private async Task<(HttpStatusCode Status, JsonElement Json)> RegisterAsync(string body)
    {
        using var response = await _gw.Gateway.Host.Client.PostAsync("/oauth/register", new StringContent(body, Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
