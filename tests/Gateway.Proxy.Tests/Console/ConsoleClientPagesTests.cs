using System.Net;
using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Interactive;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// The console as a person who signed in only to consent for an interactive client sees it (no console role): their
/// clients page with a named Revoke button per client and no unnamed header cell, and the role pages refused without
/// ending their session (a GET, which a cross-site link can make, never signs anyone out).
/// </summary>
public sealed partial class ConsoleClientPagesTests(InteractiveGatewayFixture fixture) : IClassFixture<InteractiveGatewayFixture>
{
    private InteractiveGateway Gw => fixture.Gateway;

    [Fact]
    public async Task ClientsPage_AConsent_HasANamedRevokeButtonAndNoEmptyHeaderCell()
    {
        var (browser, session) = await ConsentAsync("frank");

        using var page = await browser.SendAsync(Get("/console/demo/clients", session));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotMatch(EmptyHeaderCell(), html);
        Assert.Contains("<span class=\"visually-hidden\">Actions</span></th>", html, StringComparison.Ordinal);
        Assert.Contains("aria-label=\"Revoke " + InteractiveGateway.ClientId + "\">Revoke</button>", html, StringComparison.Ordinal);
        browser.Dispose();
    }

    [Fact]
    public async Task RolePage_ConsentOnlySession_IsRefusedAndStaysSignedIn()
    {
        var (browser, session) = await ConsentAsync("grace");

        using var audit = await browser.SendAsync(Get("/console/demo/audit", session));
        using var approvals = await browser.SendAsync(Get("/console/demo/approvals", session));
        using var clients = await browser.SendAsync(Get("/console/demo/clients", session));

        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);
        var refusal = await audit.Content.ReadAsStringAsync();
        Assert.Contains("console_no_role", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("signed out", refusal, StringComparison.Ordinal);
        Assert.False(audit.Headers.Contains("Set-Cookie"), "the refusal clears no cookie");
        Assert.Equal(HttpStatusCode.Forbidden, approvals.StatusCode);
        Assert.Equal(HttpStatusCode.OK, clients.StatusCode);
        Assert.Contains(InteractiveGateway.ClientId, await clients.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        browser.Dispose();
    }

    /// <summary><paramref name="subject"/>, of a group that gives no console role, signs in and consents for the test client: the browser and the session.</summary>
    private async Task<(HttpClient Browser, string Session)> ConsentAsync(string subject)
    {
        var browser = Gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();
        var (redirect, session) = await Gw.AuthorizeAsync(browser, subject, ["engineers"], challenge);
        Assert.Equal(HttpStatusCode.OK, (await Gw.ExchangeAsync(redirect, verifier)).Status);
        return (browser, session);
    }

    [GeneratedRegex("<th[^>]*>\\s*</th>")]
    private static partial Regex EmptyHeaderCell();
}
