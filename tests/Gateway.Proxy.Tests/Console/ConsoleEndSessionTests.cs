using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;
using static Gateway.Proxy.Tests.Console.ConsoleOidcSignIn;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// Sign-out also ends the person's session at the provider (RP-Initiated Logout) when its discovery document names an
/// <c>end_session_endpoint</c>: the browser is sent there (a <c>Refresh</c> and a link) with the ID token as <c>id_token_hint</c> and the console's
/// sign-in page as <c>post_logout_redirect_uri</c>; without one, sign-out stays local.
/// </summary>
public sealed class ConsoleEndSessionTests
{
    [Fact]
    public async Task SignOut_ProviderHasEndSessionEndpoint_RedirectsThereWithTheIdTokenHint()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        gw.Provider.EndSession = true;
        using var client = Browser(gw);
        var session = await SignInAsync(gw, client, "bob", ["approvers"]);
        var idToken = JsonDocument.Parse(gw.Provider.TokenAnswer.Json).RootElement.GetProperty("id_token").GetString();

        using var response = await SignOutAsync(client, session);

        // A refresh, not a 302: the form's page allows no redirect to another origin (CSP form-action 'self').
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var refresh = response.Headers.GetValues("Refresh").Single();
        Assert.StartsWith("0;url=", refresh, StringComparison.Ordinal);
        var location = new Uri(refresh["0;url=".Length..]);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(location.AbsoluteUri), await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(gw.Provider.Issuer + "/logout", location.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal(idToken, query["id_token_hint"].ToString());
        Assert.Equal(new Uri(gw.Gateway.Host.BaseAddress, "/console").AbsoluteUri, query["post_logout_redirect_uri"].ToString());
        Assert.Equal(TestOpenIdProvider.ClientId, query["client_id"].ToString());
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("gamut_console=;", StringComparison.Ordinal));
        await AssertSignedOutAsync(client, session);
    }

    [Fact]
    public async Task SignOut_ProviderWithoutEndSessionEndpoint_StaysLocal()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var session = await SignInAsync(gw, client, "bob", ["approvers"]);

        using var response = await SignOutAsync(client, session);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("You are signed out", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertSignedOutAsync(client, session);
    }

    private static async Task<HttpResponseMessage> SignOutAsync(HttpClient client, string session)
    {
        using var page = await client.SendAsync(Get("/console/demo/approvals", session));
        var csrf = Hidden(await page.Content.ReadAsStringAsync(), "csrf")!;
        return await client.SendAsync(PostForm("/console/sign-out", session, new Dictionary<string, string> { ["csrf"] = csrf }));
    }
}
