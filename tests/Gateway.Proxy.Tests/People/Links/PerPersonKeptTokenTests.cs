using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.People;
using Gateway.Proxy.Tests.Console;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Proxy.Tests.Interactive;
using Gateway.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Proxy.Tests.People.Links;

/// <summary>
/// A person signed in on <c>/mcp</c> through the gateway's own OAuth (the console's sign-in at the tenant's provider, the
/// consent, the gateway's access token: no provider token on the request) calling a tool of a <c>per_person</c> connector
/// with <c>token_exchange: true</c> whose authorization server (a <see cref="TestAuthorizationServer"/>) accepts RFC 8693:
/// the provider's ID token kept at sign-in (encrypted, never logged) is exchanged there and the upstream sees the person's
/// own token, no link asked; an expired kept ID token is renewed with the provider's refresh token first; a renewal the
/// provider refuses forgets it and asks for the link; nothing is kept without such a connector; revoking the person's
/// consent forgets it, and so does the provider's back-channel logout naming the person or only their provider session
/// (after the console session has ended too), but never the token of the same <c>sub</c> at another issuer.
/// </summary>
public sealed class PerPersonKeptTokenTests
{
    private const string ReadFile = """{"text":"a"}""";

    [Fact]
    public async Task ToolsCall_SignedInThroughTheGatewaysOAuth_ForwardsTheExchangedTokenWithoutALink()
    {
        await using var gw = await KeptTokenGateway.StartAsync();
        var accessToken = await gw.SignInAsync();

        using var answer = await gw.Interactive.CallToolAsync(accessToken, "files__read_file", ReadFile);
        using var again = await gw.Interactive.CallToolAsync(accessToken, "files__read_file", ReadFile);

        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK && !body.Contains("\"error\"", StringComparison.Ordinal), body + string.Join('\n', gw.Server.Refusals));
        Assert.Equal(gw.Interactive.LastIdToken, Assert.Single(gw.Server.ExchangedSubjectTokens));
        var exchanged = Assert.Single(gw.Server.AccessTokens);
        Assert.StartsWith("at-exchanged-upstream-alice-", exchanged, StringComparison.Ordinal);
        Assert.Equal(2, gw.Interactive.Mcp.Files.Calls.Count);
        Assert.All(gw.Interactive.Mcp.Files.Calls, c => Assert.Equal("Bearer " + exchanged, c.Authorization));
        Assert.Empty(gw.Server.AuthorizationRequests);
        Assert.DoesNotContain(exchanged, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_TokenExchangeConnector_KeepsTheProviderTokensEncryptedAndNeverLogsThem()
    {
        await using var gw = await KeptTokenGateway.StartAsync();
        gw.Interactive.ProviderRefreshToken = "rt-provider-alice-" + Guid.NewGuid().ToString("N");
        var accessToken = await gw.SignInAsync();
        using var answer = await gw.Interactive.CallToolAsync(accessToken, "files__read_file", ReadFile);

        var raw = await gw.KeptValueAsync("alice");
        Assert.NotNull(raw);
        Assert.StartsWith("gwenc:v1:", raw, StringComparison.Ordinal);
        var idToken = gw.Interactive.LastIdToken!;
        Assert.DoesNotContain(idToken.Split('.')[1], raw, StringComparison.Ordinal);
        Assert.DoesNotContain(gw.Interactive.ProviderRefreshToken, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", KeptProviderTokens.StoreKey("demo", "alice"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var logs = LoggedText.Of(gw.Logs);
        Assert.DoesNotContain(idToken.Split('.')[1], logs, StringComparison.Ordinal);
        Assert.DoesNotContain(gw.Interactive.ProviderRefreshToken, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Assert.Single(gw.Server.AccessTokens), logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsCall_KeptIdTokenExpired_IsRenewedWithTheRefreshTokenThenExchanged()
    {
        await using var gw = await KeptTokenGateway.StartAsync();
        var accessToken = await gw.SignInExpiringAsync("rt-provider-alice-1");
        var renewed = gw.Interactive.Provider.Issue("alice", audience: TestOpenIdProvider.ClientId);
        gw.Interactive.Provider.TokenAnswer = (200, JsonSerializer.Serialize(new { id_token = renewed, refresh_token = "rt-provider-alice-2" }));

        using var answer = await gw.Interactive.CallToolAsync(accessToken, "files__read_file", ReadFile);

        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK && !body.Contains("\"error\"", StringComparison.Ordinal), body);
        var refresh = Assert.Single(gw.Interactive.Provider.TokenRequests, r => r["grant_type"] == "refresh_token");
        Assert.Equal("rt-provider-alice-1", refresh["refresh_token"]);
        Assert.StartsWith("Basic ", refresh["authorization"], StringComparison.Ordinal);
        Assert.Equal(renewed, Assert.Single(gw.Server.ExchangedSubjectTokens));
        Assert.Equal("Bearer " + Assert.Single(gw.Server.AccessTokens), Assert.Single(gw.Interactive.Mcp.Files.Calls).Authorization);
        Assert.Empty(gw.Server.AuthorizationRequests);
    }

    [Fact]
    public async Task ToolsCall_KeptTokenRenewalRefused_IsUpstreamAccountNotLinkedAndTheTokenForgotten()
    {
        await using var gw = await KeptTokenGateway.StartAsync();
        var accessToken = await gw.SignInExpiringAsync("rt-provider-alice-revoked");
        gw.Interactive.Provider.TokenAnswer = (400, """{"error":"invalid_grant"}""");

        using var answer = await gw.Interactive.CallToolAsync(accessToken, "files__read_file", ReadFile);

        var error = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("upstream_account_not_linked", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("/connections/demo/files/link?grant=", error.GetProperty("data").GetProperty("link_url").GetString(), StringComparison.Ordinal);
        Assert.Single(gw.Interactive.Provider.TokenRequests, r => r["grant_type"] == "refresh_token");
        Assert.Empty(gw.Server.ExchangedSubjectTokens);
        Assert.Empty(gw.Interactive.Mcp.Files.Calls);
        Assert.Null(await gw.KeptValueAsync("alice"));
    }

    [Fact]
    public async Task SignIn_NoTokenExchangeConnector_KeepsNothingAndTheCallAsksForTheLink()
    {
        await using var gw = await KeptTokenGateway.StartAsync(tokenExchange: false);
        gw.Interactive.ProviderRefreshToken = "rt-provider-alice-unwanted";
        var accessToken = await gw.SignInAsync();

        using var answer = await gw.Interactive.CallToolAsync(accessToken, "files__read_file", ReadFile);

        Assert.Null(await gw.KeptValueAsync("alice"));
        Assert.Contains("upstream_account_not_linked", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(gw.Server.ExchangedSubjectTokens);
    }

    [Fact]
    public async Task RevokeConsent_ByAnAdmin_ForgetsTheKeptProviderToken()
    {
        await using var gw = await KeptTokenGateway.StartAsync();
        await gw.SignInAsync();
        Assert.NotNull(await gw.KeptValueAsync("alice"));

        using var deleted = await gw.Interactive.Gateway.Admin().DeleteAsync("/admin/v1/tenants/demo/console-users/alice/consents?client_id=" + InteractiveGateway.ClientId);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Null(await gw.KeptValueAsync("alice"));
    }

    [Fact]
    public async Task BackChannelLogout_NamingThePerson_ForgetsTheKeptProviderToken()
    {
        await using var gw = await KeptTokenGateway.StartAsync();
        await gw.SignInAsync();
        Assert.NotNull(await gw.KeptValueAsync("alice"));
        using var browser = gw.Interactive.Browser();

        using var logout = await browser.SendAsync(ConsoleHttp.PostForm("/console/demo/backchannel-logout", null,
            new Dictionary<string, string> { ["logout_token"] = gw.Interactive.Provider.LogoutToken("alice") }));

        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        Assert.Null(await gw.KeptValueAsync("alice"));
    }

    [Fact]
    public async Task BackChannelLogout_NamingOnlyTheSid_ForgetsTheKeptProviderToken()
    {
        await using var gw = await KeptTokenGateway.StartAsync();
        gw.Interactive.IdTokenSid = "sid-alice-laptop";
        await gw.SignInAsync();
        Assert.NotNull(await gw.KeptValueAsync("alice"));
        using var browser = gw.Interactive.Browser();

        using var logout = await browser.SendAsync(ConsoleHttp.PostForm("/console/demo/backchannel-logout", null,
            new Dictionary<string, string> { ["logout_token"] = gw.Interactive.Provider.LogoutToken(subject: null, sid: "sid-alice-laptop") }));

        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        Assert.Null(await gw.KeptValueAsync("alice"));
    }

    [Fact]
    public async Task BackChannelLogout_NamingOnlyTheSidAfterTheConsoleSessionEnded_ForgetsTheKeptProviderToken()
    {
        await using var gw = await KeptTokenGateway.StartAsync();
        gw.Interactive.IdTokenSid = "sid-alice-phone";
        using var browser = gw.Interactive.Browser();
        var (_, session) = await gw.Interactive.AuthorizeAsync(browser, "alice", [], InteractiveGateway.NewPkce().Challenge);
        Assert.NotNull(await gw.KeptValueAsync("alice"));
        await InteractiveSidLogoutTests.SignOutAsync(browser, session);

        using var logout = await browser.SendAsync(ConsoleHttp.PostForm("/console/demo/backchannel-logout", null,
            new Dictionary<string, string> { ["logout_token"] = gw.Interactive.Provider.LogoutToken(subject: null, sid: "sid-alice-phone") }));

        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        Assert.Null(await gw.KeptValueAsync("alice"));
    }

    [Fact]
    public async Task BackChannelLogout_SameSubjectAtAnotherIssuer_KeepsThatPersonsProviderToken()
    {
        // alice at the tenant's provider (B) keeps her provider token; the tenant moves to A, whose alice (another person
        // with the same sub) is logged out there: B's alice's token stays, and is exchanged again once the tenant is back at B.
        await using var gw = await KeptTokenGateway.StartAsync();
        await using var next = await TestOpenIdProvider.StartAsync();
        var (old, renamed) = (gw.Interactive.Provider.Issuer, next.Issuer);
        var accessToken = await gw.SignInAsync();
        var kept = await gw.KeptValueAsync("alice");
        Assert.NotNull(kept);
        await gw.ReloadAsync(text => text.Replace("issuer: \"" + old + "\"", "issuer: \"" + renamed + "\"", StringComparison.Ordinal));
        using var browser = gw.Interactive.Browser();

        using var logout = await browser.SendAsync(ConsoleHttp.PostForm("/console/demo/backchannel-logout", null,
            new Dictionary<string, string> { ["logout_token"] = next.LogoutToken("alice") }));

        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        Assert.Equal(kept, await gw.KeptValueAsync("alice"));
        await gw.ReloadAsync(text => text.Replace("issuer: \"" + renamed + "\"", "issuer: \"" + old + "\"", StringComparison.Ordinal));
        using var answer = await gw.Interactive.CallToolAsync(accessToken, "files__read_file", ReadFile);
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK && !body.Contains("\"error\"", StringComparison.Ordinal), body);
        Assert.Equal(gw.Interactive.LastIdToken, Assert.Single(gw.Server.ExchangedSubjectTokens));
    }

    /// <summary>
    /// The interactive MCP gateway (<see cref="InteractiveGateway"/>) with its files server acting as the person's own
    /// account at a <see cref="TestAuthorizationServer"/> that accepts token exchange (for <c>upstream-alice</c>), the
    /// connector saying <c>token_exchange</c> or not; every log line captured.
    /// </summary>
    internal sealed class KeptTokenGateway : IAsyncDisposable
    {
        private KeptTokenGateway(InteractiveGateway interactive, TestAuthorizationServer server, FakeLogCollector logs)
        {
            Interactive = interactive;
            Server = server;
            Logs = logs;
        }

        public InteractiveGateway Interactive { get; }

        public TestAuthorizationServer Server { get; }

        public FakeLogCollector Logs { get; }

        public static async Task<KeptTokenGateway> StartAsync(bool tokenExchange = true)
        {
            var server = await TestAuthorizationServer.StartAsync();
            server.AcceptsTokenExchange = true;
            server.User = "upstream-alice";
            var logs = new FakeLogCollector();
            var person = "person: { credential: per_person, authorization_server: \"" + server.Issuer + "\", client: { id: " + TestAuthorizationServer.ClientId
                + ", secret: \"vault:files-client\" }, scopes: [files.read]" + (tokenExchange ? ", token_exchange: true" : string.Empty) + " }";
            var interactive = await InteractiveGateway.StartAsync(dynamicRegistration: false, [], rewrite: text =>
            {
                const string Files = "credential: none }\n  - { name: files.read,";
                Assert.Contains(Files, text, StringComparison.Ordinal);
                return text.Replace(Files, "credential: none, " + person + " }\n  - { name: files.read,", StringComparison.Ordinal);
            }, configure: (WebApplicationBuilder builder) => builder.Logging.AddProvider(new FakeLoggerProvider(logs)));
            using var put = await interactive.Gateway.Admin().PutAsync("/admin/v1/tenants/demo/credentials/files-client",
                new StringContent(JsonSerializer.Serialize(new { value = TestAuthorizationServer.ClientSecret }), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            return new KeptTokenGateway(interactive, server, logs);
        }

        /// <summary>Alice signs in through the gateway's OAuth (authorization request, console sign-in, consent, code): her access token.</summary>
        public async Task<string> SignInAsync() =>
            (await Interactive.SignInAndExchangeAsync("alice")).GetProperty("access_token").GetString()!;

        /// <summary>As <see cref="SignInAsync"/>, the ID token expiring in 30 s (within the renewal margin) and issued with <paramref name="refreshToken"/>.</summary>
        public Task<string> SignInExpiringAsync(string refreshToken)
        {
            Interactive.IdTokenLifetime = TimeSpan.FromSeconds(30);
            Interactive.ProviderRefreshToken = refreshToken;
            return SignInAsync();
        }

        /// <summary>Rewrites the bundle with <paramref name="change"/> (which must change it) and reloads it.</summary>
        public async Task ReloadAsync(Func<string, string> change)
        {
            var before = await File.ReadAllTextAsync(Interactive.Gateway.Bundle.MainFile);
            Assert.NotEqual(before, change(before));
            Interactive.Gateway.Bundle.Rewrite(change);
            Assert.Empty(await Interactive.Gateway.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());
        }

        /// <summary>The raw store value of the person's kept provider tokens, or null.</summary>
        public async Task<string?> KeptValueAsync(string subject) =>
            await Interactive.Gateway.Host.Services.GetRequiredService<IStateStore>().GetAsync(KeptProviderTokens.StoreKey("demo", subject));

        public async ValueTask DisposeAsync()
        {
            await Interactive.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
