using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;
using static Gateway.Proxy.Tests.Console.ConsoleOidcSignIn;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// The console's sign-in against an OpenID provider on loopback (<see cref="TestOpenIdProvider"/>: discovery document,
/// JWKS and a token endpoint whose answer the test sets): the callback refuses a state that is not the browser's, and an
/// ID token that is forged, expired, for another audience or without the sign-in's nonce; a signed-in person without the
/// approver role cannot approve; a POST without the session's CSRF token is refused; a suspended person's session ends;
/// every answer carries the hardening headers; a session of one tenant never shows another's pages.
/// </summary>
public sealed class ConsoleSignInTests
{
    [Fact]
    public async Task Callback_StateNotTheBrowsers_IsRefused()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var (state, _, cookie) = await StartAsync(client);

        using var response = await client.SendAsync(Get($"/console/demo/callback?state={Flip(state)}&code=c", cookie));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("console_state_mismatch", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(gw.Provider.TokenRequests);
    }

    [Fact]
    public async Task Callback_NoStateCookie_IsRefused()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var (state, _, _) = await StartAsync(client);

        using var response = await client.SendAsync(Get($"/console/demo/callback?state={state}&code=c", cookie: null));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("console_state_mismatch", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("forged")]
    [InlineData("expired")]
    [InlineData("audience")]
    [InlineData("nonce")]
    [InlineData("unsigned")]
    public async Task Callback_BadIdToken_IsRefusedAndNoSessionStarts(string kind)
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var (state, nonce, cookie) = await StartAsync(client);
        var p = gw.Provider;
        var token = kind switch
        {
            "forged" => p.Forged("bob"),
            "expired" => p.Issue("bob", ["approvers"], notBefore: DateTime.UtcNow.AddHours(-2), lifetime: TimeSpan.FromMinutes(10), nonce: nonce),
            "audience" => p.Issue("bob", ["approvers"], audience: "another-app", nonce: nonce),
            "nonce" => p.Issue("bob", ["approvers"], nonce: "not-the-sign-ins-nonce"),
            _ => p.Unsigned("bob"),
        };
        p.TokenAnswer = (200, JsonSerializer.Serialize(new { id_token = token, token_type = "Bearer" }));

        using var response = await client.SendAsync(Get($"/console/demo/callback?state={state}&code=the-code", cookie));

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("console_id_token_invalid", text, StringComparison.Ordinal);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith("gamut_console=", StringComparison.Ordinal) && !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Callback_ValidIdToken_StartsASessionAndTheCodeWasExchangedWithPkce()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var session = await SignInAsync(gw, client, "bob", ["approvers"]);

        var exchange = Assert.Single(gw.Provider.TokenRequests);
        Assert.Equal("authorization_code", exchange["grant_type"]);
        Assert.False(string.IsNullOrEmpty(exchange["code_verifier"]));
        Assert.StartsWith("Basic ", exchange["authorization"], StringComparison.Ordinal);
        using var page = await client.SendAsync(Get("/console/demo/approvals", session));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Theory]
    [InlineData("/console")]
    [InlineData("/Console")]
    [InlineData("/CONSOLE/demo/approvals")]
    public async Task ConsolePages_CarryTheHardeningHeadersHoweverThePathIsCased(string path)
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);

        using var response = await client.SendAsync(Get(path, cookie: null));

        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Found, $"{path}: {response.StatusCode}");
        Assert.True(response.Headers.CacheControl?.NoStore, path);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task Approve_WithoutTheApproverRole_IsRefused()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var session = await SignInAsync(gw, client, "bob", ["auditors"]);
        var csrf = await CsrfAsync(client, session, "/console/demo/audit");

        using var response = await client.SendAsync(Post("/console/demo/approvals/apr_x/approve", session, csrf, "looks fine"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("console_role_required", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approve_CsrfMissingOrWrong_IsRefused()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var session = await SignInAsync(gw, client, "bob", ["approvers"]);

        using var missing = await client.SendAsync(Post("/console/demo/approvals/apr_x/approve", session, csrf: null, "ok"));
        using var wrong = await client.SendAsync(Post("/console/demo/approvals/apr_x/approve", session, csrf: "not-the-token", "ok"));

        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.Contains("console_csrf_invalid", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Contains("console_csrf_invalid", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Suspend_EndsThePersonsSessionAndRefusesSignIn()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var session = await SignInAsync(gw, client, "bob", ["approvers"]);

        using var suspend = await gw.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/console-users/bob/suspend", null);
        Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        using var after = await client.SendAsync(Get("/console/demo/approvals", session));

        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal("/console/demo/sign-in", after.Headers.Location?.OriginalString);
        var (state, nonce, cookie) = await StartAsync(client);
        gw.Provider.TokenAnswer = (200, JsonSerializer.Serialize(new { id_token = gw.Provider.Issue("bob", ["approvers"], audience: TestOpenIdProvider.ClientId, nonce: nonce) }));
        using var again = await client.SendAsync(Get($"/console/demo/callback?state={state}&code=c2", cookie));
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        Assert.Contains("console_person_suspended", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_OfOneTenant_NeverShowsAnothersPages()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var session = await SignInAsync(gw, client, "bob", ["approvers", "auditors"]);

        using var other = await client.SendAsync(Get("/console/other-tenant/audit", session));

        Assert.Equal(HttpStatusCode.Redirect, other.StatusCode);
        Assert.Equal("/console/other-tenant/sign-in", other.Headers.Location?.OriginalString);
    }

    private static async Task<string> CsrfAsync(HttpClient client, string session, string page)
    {
        using var response = await client.SendAsync(Get(page, session));
        var html = await response.Content.ReadAsStringAsync();
        return ConsoleHttp.Hidden(html, "csrf") ?? throw new Xunit.Sdk.XunitException(html);
    }

    private static HttpRequestMessage Post(string path, string session, string? csrf, string reason)
    {
        var fields = new Dictionary<string, string> { ["reason"] = reason };
        if (csrf is not null)
        {
            fields["csrf"] = csrf;
        }

        return ConsoleHttp.PostForm(path, session, fields);
    }

    private static string Flip(string state) => (state[0] == 'A' ? 'B' : 'A') + state[1..];
}
