using System.Net;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// A tenant that moves its people to another OpenID provider (the old one compromised) ends what they hold from the old
/// one: an interactive client's access token is refused at <c>/mcp</c> at once and its refresh token gives no new one,
/// while a reload that keeps the provider changes nothing; a reload that shortens the agent's <c>max_session</c> ends the
/// families and remembered consents older than the new limit.
/// </summary>
public sealed class InteractiveProviderChangeTests : IAsyncLifetime
{
    private readonly MovableClock _clock = new();
    private InteractiveGateway _gw = null!;

    // The gateway's clock is the test's; a console session stays live (not idle) while the test moves it by hours.
    public async Task InitializeAsync() => _gw = await InteractiveGateway.StartAsync(dynamicRegistration: false, [],
        settings: new Dictionary<string, string?> { ["Gateway:Console:IdleTimeout"] = "08:00:00" },
        configure: builder => builder.Services.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Mcp_TenantMovedToAnotherProvider_IsRefusedAtOnceAndCannotRefresh()
    {
        var tokens = await _gw.SignInAndExchangeAsync("hana", ["engineers"]);
        var access = tokens.GetProperty("access_token").GetString()!;
        using (var before = await _gw.InitializeAsync(access))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await ReloadAsync(text => text.Replace("issuer: \"" + _gw.Provider.Issuer + "\"", "issuer: \"https://new-idp.example\"", StringComparison.Ordinal));

        using var after = await _gw.InitializeAsync(access);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var (status, json) = await RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Mcp_BundleReloadedWithTheSameProvider_KeepsWorkingAndRefreshes()
    {
        var tokens = await _gw.SignInAndExchangeAsync("hana", ["engineers"]);
        var access = tokens.GetProperty("access_token").GetString()!;

        await ReloadAsync(text => text.Replace("max_session: 8h", "max_session: 9h", StringComparison.Ordinal));

        using var after = await _gw.InitializeAsync(access);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        var (status, _) = await RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Refresh_BundleShortensMaxSession_FamilyPastTheNewLimitIsInvalidGrant()
    {
        await ReloadAsync(text => text.Replace("max_session: 8h", "max_session: 30d", StringComparison.Ordinal));
        using var browser = _gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();
        var (redirect, session) = await _gw.AuthorizeAsync(browser, "hana", ["engineers"], challenge);
        var (exchanged, tokens) = await _gw.ExchangeAsync(redirect, verifier);
        Assert.True(exchanged == HttpStatusCode.OK, tokens.ToString());

        await ReloadAsync(text => text.Replace("max_session: 30d", "max_session: 1h", StringComparison.Ordinal));
        _clock.Offset = TimeSpan.FromMinutes(58);
        var (nearStatus, near) = await RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.True(nearStatus == HttpStatusCode.OK, near.ToString());
        Assert.InRange(near.GetProperty("expires_in").GetInt64(), 1, 120);
        _clock.Offset = TimeSpan.FromHours(2);

        var (status, json) = await RefreshAsync(near.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", json.GetProperty("error").GetString());
        string? page = null;
        var (again, _) = await _gw.AuthorizeAsync(browser, "hana", ["engineers"], InteractiveGateway.NewPkce().Challenge, session, consentPage: html => page = html);
        Assert.NotNull(page);
        Assert.Contains("1 hours", page, StringComparison.Ordinal);
        Assert.Contains("code=", again.Query, StringComparison.Ordinal);
    }

    /// <summary>Rewrites the bundle with <paramref name="change"/> (which must change it) and reloads it.</summary>
    private async Task ReloadAsync(Func<string, string> change)
    {
        var before = await File.ReadAllTextAsync(_gw.Gateway.Bundle.MainFile);
        Assert.NotEqual(before, change(before));
        _gw.Gateway.Bundle.Rewrite(change);
        Assert.Empty(await _gw.Gateway.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());
    }

    private Task<(HttpStatusCode Status, System.Text.Json.JsonElement Json)> RefreshAsync(string refreshToken) =>
        _gw.TokenAsync(("grant_type", "refresh_token"), ("client_id", InteractiveGateway.ClientId), ("refresh_token", refreshToken));
}
