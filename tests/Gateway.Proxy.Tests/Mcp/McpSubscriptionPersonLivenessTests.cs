using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Gateway.Proxy.Tests.Console;
using Gateway.Proxy.Tests.Interactive;
using Gateway.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A person's interactive client's resource subscription hears an update only while the person may still act: once an
/// administrator suspends them, or they revoke the client's consent, the next update finds it and their session hears
/// nothing more (the server unsubscribed).
/// </summary>
public sealed class McpSubscriptionPersonLivenessTests(InteractiveGatewayFixture fixture) : IClassFixture<InteractiveGatewayFixture>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    private InteractiveGateway Gw => fixture.Gateway;

    [Fact]
    public async Task Subscribe_PersonSuspended_HearsNoUpdateAfterIt()
    {
        const string Note = "note://paula-plan";
        var access = (await Gw.SignInAndExchangeAsync("paula", ["engineers"])).GetProperty("access_token").GetString()!;
        await using var client = await ConnectAsync(access);
        var updates = Channel.CreateUnbounded<string>();
        // Not disposed: once the person is suspended, the client's unsubscribe is refused like its every request.
        _ = await client.SubscribeToResourceAsync(UriOf(Note), (updated, _) => updates.Writer.WriteAsync(updated.Uri));
        await Gw.Mcp.Notes.UpdatedAsync(Note);
        using (var wait = new CancellationTokenSource(Within))
        {
            Assert.Equal(UriOf(Note), await updates.Reader.ReadAsync(wait.Token));
        }

        using var suspended = await Gw.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/console-users/paula/suspend", null);
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);

        // The next update finds the person suspended: the session hears nothing, and with no subscriber left the server is unsubscribed.
        await Gw.Mcp.Notes.UpdatedAsync(Note);
        await Eventually.HoldsAsync(() => Gw.Mcp.Notes.Unsubscribed.Contains(Note), Within, "the server was not unsubscribed within 20 s: the suspended person's session still hears the resource");
        Assert.False(updates.Reader.TryRead(out var heard), $"the suspended person's session heard {heard}");
    }

    [Fact]
    public async Task Subscribe_ConsentRevoked_HearsNoUpdateAfterIt()
    {
        const string Note = "note://quinn-plan";
        using var browser = Gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();
        var (redirect, session) = await Gw.AuthorizeAsync(browser, "quinn", ["engineers"], challenge);
        var (status, tokens) = await Gw.ExchangeAsync(redirect, verifier);
        Assert.Equal(HttpStatusCode.OK, status);
        await using var client = await ConnectAsync(tokens.GetProperty("access_token").GetString()!);
        var updates = Channel.CreateUnbounded<string>();
        // Not disposed: once the consent is revoked, the client's unsubscribe is refused like its every request.
        _ = await client.SubscribeToResourceAsync(UriOf(Note), (updated, _) => updates.Writer.WriteAsync(updated.Uri));
        await Gw.Mcp.Notes.UpdatedAsync(Note);
        using (var wait = new CancellationTokenSource(Within))
        {
            Assert.Equal(UriOf(Note), await updates.Reader.ReadAsync(wait.Token));
        }

        // The person revokes the client on their clients page.
        using var page = await browser.SendAsync(ConsoleHttp.Get("/console/demo/clients", session));
        var csrf = ConsoleHttp.Hidden(await page.Content.ReadAsStringAsync(), "csrf")!;
        using var revoked = await browser.SendAsync(ConsoleHttp.PostForm("/console/demo/clients/revoke", session,
            new Dictionary<string, string> { ["csrf"] = csrf, ["client_id"] = InteractiveGateway.ClientId }));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);

        // The next update finds the token's family revoked: the session hears nothing, and the server is unsubscribed.
        await Gw.Mcp.Notes.UpdatedAsync(Note);
        await Eventually.HoldsAsync(() => Gw.Mcp.Notes.Unsubscribed.Contains(Note), Within, "the server was not unsubscribed within 20 s: the revoked client's session still hears the resource");
        Assert.False(updates.Reader.TryRead(out var heard), $"the revoked client's session heard {heard}");
    }

    /// <summary>The <c>/mcp</c> URI of the notes server's <paramref name="note"/>.</summary>
    private static string UriOf(string note) => "gamut-mcp://notes/" + Uri.EscapeDataString(note);

    /// <summary>The official MCP client of <c>/mcp</c> with <paramref name="accessToken"/>, returned once its GET stream is open (so it hears the gateway's notifications).</summary>
    private async Task<McpClient> ConnectAsync(string accessToken)
    {
        var stream = new StreamOpenHandler(accessToken);
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(Gw.Gateway.Host.BaseAddress, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp },
            new HttpClient(stream),
            ownsHttpClient: true);
        var client = await McpClient.CreateAsync(transport, new McpClientOptions { ClientInfo = new Implementation { Name = "person-liveness-tests", Version = "1.0" }, ProtocolVersion = "2025-11-25" });
        await stream.Open.WaitAsync(Within);
        return client;
    }

    /// <summary>Adds <c>Authorization: Bearer</c> to every request; open once a GET through it has its answer's headers.</summary>
    private sealed class StreamOpenHandler(string token) : DelegatingHandler(new HttpClientHandler())
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Open => _open.Task;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Get && response.IsSuccessStatusCode)
            {
                _open.TrySetResult();
            }

            return response;
        }
    }
}
