using System.Net;
using System.Text.Json;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;
using static Gateway.Proxy.Tests.Console.ConsoleOidcSignIn;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// A back-channel logout ends only the person of the issuer that sent it, against two <see cref="TestOpenIdProvider"/>s:
/// <c>alice</c> at the provider the tenant used before (B) and <c>alice</c> at the one it moved to (A) are two people who
/// share a <c>sub</c>; A's logout token for <c>alice</c> ends A's alice's console session, consent and tokens, while B's
/// alice's consent, tokens and console session are still there (and work again when the tenant moves back to B).
/// </summary>
public sealed class InteractiveIssuerLogoutTests : IAsyncLifetime
{
    private InteractiveGateway _gw = null!;
    private TestOpenIdProvider _next = null!;

    public async Task InitializeAsync()
    {
        _gw = await InteractiveGateway.StartAsync();
        _next = await TestOpenIdProvider.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _gw.DisposeAsync();
        await _next.DisposeAsync();
    }

    [Fact]
    public async Task BackChannelLogout_SameSubjectAtAnotherIssuer_EndsOnlyTheLogoutIssuersPerson()
    {
        var (old, renamed) = (_gw.Provider.Issuer, _next.Issuer);
        using var browser = _gw.Browser();
        // alice at B (the tenant's provider now) allows the client and gets its tokens.
        var (verifierB, challengeB) = InteractiveGateway.NewPkce();
        var (redirectB, sessionB) = await _gw.AuthorizeAsync(browser, "alice", [], challengeB);
        var atB = await ExchangeAsync(redirectB, verifierB);
        // The tenant moves to A, where another alice signs in and allows the same client (asked again: another person).
        await ReloadAsync(text => text.Replace("issuer: \"" + old + "\"", "issuer: \"" + renamed + "\"", StringComparison.Ordinal));
        var sessionA = await SignInAtAsync(_next, browser, "alice", ["approvers"]);
        var (verifierA, challengeA) = InteractiveGateway.NewPkce();
        var (redirectA, _) = await _gw.AuthorizeAsync(browser, "alice", [], challengeA, session: sessionA);
        var atA = await ExchangeAsync(redirectA, verifierA);
        Assert.Equal(2, await ConsentCountAsync());

        using var logout = await browser.SendAsync(PostForm("/console/demo/backchannel-logout", null,
            new Dictionary<string, string> { ["logout_token"] = _next.LogoutToken("alice") }));

        Assert.True(logout.StatusCode == HttpStatusCode.OK, await logout.Content.ReadAsStringAsync());
        // A's alice: signed out, her consent gone, her access token refused and her refresh token spent.
        await AssertSignedOutAsync(browser, sessionA);
        using (var refused = await _gw.InitializeAsync(atA.GetProperty("access_token").GetString()!))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var (refreshedA, errorA) = await RefreshAsync(atA);
        Assert.Equal(HttpStatusCode.BadRequest, refreshedA);
        Assert.Equal("invalid_grant", errorA.GetProperty("error").GetString());
        Assert.Equal(1, await ConsentCountAsync());
        // B's alice: back at B, her console session, access token and refresh token still work.
        await ReloadAsync(text => text.Replace("issuer: \"" + renamed + "\"", "issuer: \"" + old + "\"", StringComparison.Ordinal));
        using (var live = await _gw.InitializeAsync(atB.GetProperty("access_token").GetString()!))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        var (refreshedB, tokensB) = await RefreshAsync(atB);
        Assert.True(refreshedB == HttpStatusCode.OK, tokensB.ToString());
        using var clients = await browser.SendAsync(Get("/console/demo/clients", sessionB));
        Assert.Equal(HttpStatusCode.OK, clients.StatusCode);
        Assert.DoesNotContain("You have not allowed any client to act for you.", await clients.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<JsonElement> ExchangeAsync(Uri redirect, string verifier)
    {
        var (status, json) = await _gw.ExchangeAsync(redirect, verifier);
        Assert.True(status == HttpStatusCode.OK, json.ToString());
        return json;
    }

    private Task<(HttpStatusCode Status, JsonElement Json)> RefreshAsync(JsonElement tokens) =>
        _gw.TokenAsync(("grant_type", "refresh_token"), ("client_id", InteractiveGateway.ClientId), ("refresh_token", tokens.GetProperty("refresh_token").GetString()!));

    /// <summary>How many live consents the admin API lists for the subject <c>alice</c> (at every issuer).</summary>
    private async Task<int> ConsentCountAsync() =>
        JsonDocument.Parse(await _gw.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/console-users/alice/consents")).RootElement.GetProperty("consents").GetArrayLength();

    /// <summary>Rewrites the bundle with <paramref name="change"/> (which must change it) and reloads it.</summary>
    private async Task ReloadAsync(Func<string, string> change)
    {
        var before = await File.ReadAllTextAsync(_gw.Gateway.Bundle.MainFile);
        Assert.NotEqual(before, change(before));
        _gw.Gateway.Bundle.Rewrite(change);
        Assert.Empty(await _gw.Gateway.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());
    }
}
