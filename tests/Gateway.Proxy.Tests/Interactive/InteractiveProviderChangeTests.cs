using System.Net;
using Gateway.Proxy.Bundle;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// A tenant that moves its people to another OpenID provider (the old one compromised) ends what they hold from the old
/// one: an interactive client's access token is refused at <c>/mcp</c> at once and its refresh token gives no new one,
/// while a reload that keeps the provider changes nothing.
/// </summary>
public sealed class InteractiveProviderChangeTests : IAsyncLifetime
{
    private InteractiveGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await InteractiveGateway.StartAsync();

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
