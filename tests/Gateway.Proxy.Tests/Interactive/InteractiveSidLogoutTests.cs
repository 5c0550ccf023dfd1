using System.Net;
using System.Text.Json;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// A back-channel logout naming only the provider session (<c>sid</c>) after the person's console session has ended (they
/// signed out of the console, or it expired): the gateway kept which person that <c>sid</c> signed in, so their clients'
/// consents and tokens still end at once, against the <see cref="Infrastructure.TestOpenIdProvider"/>.
/// </summary>
public sealed class InteractiveSidLogoutTests(InteractiveGatewayFixture fixture) : IClassFixture<InteractiveGatewayFixture>
{
    private InteractiveGateway Gw => fixture.Gateway;

    [Fact]
    public async Task Mcp_SidOnlyLogoutAfterTheConsoleSessionEnded_IsRefusedAtOnceAndCannotRefresh()
    {
        using var browser = Gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();
        Gw.IdTokenSid = "sid-ines-laptop";
        (Uri Redirect, string Session) authorized;
        try
        {
            authorized = await Gw.AuthorizeAsync(browser, "ines", ["engineers"], challenge);
        }
        finally
        {
            Gw.IdTokenSid = null;
        }

        var (exchanged, tokens) = await Gw.ExchangeAsync(authorized.Redirect, verifier);
        Assert.True(exchanged == HttpStatusCode.OK, tokens.ToString());
        var access = tokens.GetProperty("access_token").GetString()!;
        await SignOutAsync(browser, authorized.Session);
        using (var before = await Gw.InitializeAsync(access))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var logout = await browser.SendAsync(PostForm("/console/demo/backchannel-logout", null,
            new Dictionary<string, string> { ["logout_token"] = Gw.Provider.LogoutToken(subject: null, sid: "sid-ines-laptop") }));

        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        using var after = await Gw.InitializeAsync(access);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var (status, json) = await Gw.TokenAsync(("grant_type", "refresh_token"), ("client_id", InteractiveGateway.ClientId), ("refresh_token", tokens.GetProperty("refresh_token").GetString()!));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", json.GetProperty("error").GetString());
        var listed = JsonDocument.Parse(await Gw.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/console-users/ines/consents")).RootElement;
        Assert.Equal(0, listed.GetProperty("consents").GetArrayLength());
        var records = await Gw.AllAuditRecordsAsync();
        var recorded = records.Last(r => r.TryGetProperty("tool", out var t) && t.GetString() == "console.backchannel_logout");
        Assert.Equal("ines", recorded.GetProperty("person").GetString());
    }

    /// <summary>Signs the console session out with its CSRF token (read from a page of it), as its sign-out button does.</summary>
    internal static async Task SignOutAsync(HttpClient browser, string session)
    {
        using var page = await browser.SendAsync(Get("/console/demo/connections", session));
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, html);
        using var signedOut = await browser.SendAsync(PostForm("/console/sign-out", session, new Dictionary<string, string> { ["csrf"] = Hidden(html, "csrf")! }));
        Assert.Equal(HttpStatusCode.OK, signedOut.StatusCode);
        using var gone = await browser.SendAsync(Get("/console/demo/connections", session));
        Assert.Equal(HttpStatusCode.Redirect, gone.StatusCode);
    }
}
