using System.Net;
using System.Text.Json;
using Gateway.Proxy.Console;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;
using static Gateway.Proxy.Tests.Console.ConsoleOidcSignIn;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// OpenID Connect Back-Channel Logout at <c>POST /console/demo/backchannel-logout</c> against a <see cref="TestOpenIdProvider"/>:
/// a valid logout token ends the subject's sessions (or only the provider session its <c>sid</c> names) and nobody
/// else's, answered 200 with <c>Cache-Control: no-store</c> and written to the audit chain; a token that is forged, for
/// another audience, carries a nonce, lacks the logout event, a subject and sid or a jti, is issued in the future or too
/// long ago, or is replayed, is answered 400 with a JSON error and ends nothing. And the roles of a session follow the
/// current configuration: a role mapping removed refuses the role pages (the session stays), and a bundle that moves the
/// tenant to another provider issuer signs out who signed in at the old one (an admin-token session stays).
/// </summary>
public sealed class ConsoleBackChannelLogoutTests
{
    private const string LogoutPath = "/console/demo/backchannel-logout";

    [Fact]
    public async Task BackChannelLogout_BySubject_EndsThatPersonsSessionsOnly()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var bob = await SignInAsync(gw, client, "bob", ["approvers"]);
        var bobAgain = await SignInAsync(gw, client, "bob", ["approvers"]);
        var carol = await SignInAsync(gw, client, "carol", ["approvers"]);

        using var response = await PostLogoutAsync(client, gw.Provider.LogoutToken("bob"));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        await AssertSignedOutAsync(client, bob);
        await AssertSignedOutAsync(client, bobAgain);
        await AssertSignedInAsync(client, carol);
        using var audit = await gw.Gateway.Admin().GetAsync("/admin/v1/tenants/demo/audit/query?tool=console.backchannel_logout");
        var records = JsonDocument.Parse(await audit.Content.ReadAsStringAsync()).RootElement.GetProperty("records").EnumerateArray().ToList();
        var record = Assert.Single(records);
        Assert.Equal("bob", record.GetProperty("person").GetString());
        Assert.Equal("openid:" + gw.Provider.Issuer, record.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task BackChannelLogout_BySid_EndsOnlyThatProviderSession()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var laptop = await SignInAsync(gw, client, "bob", ["approvers"], sid: "sid-laptop");
        var phone = await SignInAsync(gw, client, "bob", ["approvers"], sid: "sid-phone");

        using var response = await PostLogoutAsync(client, gw.Provider.LogoutToken("bob", sid: "sid-laptop"));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        await AssertSignedOutAsync(client, laptop);
        await AssertSignedInAsync(client, phone);
    }

    [Fact]
    public async Task BackChannelLogout_SidOnly_EndsTheSessionsOfThatSid()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var laptop = await SignInAsync(gw, client, "bob", ["approvers"], sid: "sid-laptop");

        using var response = await PostLogoutAsync(client, gw.Provider.LogoutToken(subject: null, sid: "sid-laptop"));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        await AssertSignedOutAsync(client, laptop);
    }

    [Fact]
    public async Task BackChannelLogout_SubjectOnly_EndsASessionStartedAfterTheFirstSessionsLifetime()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string>(DemoRoles) { ["Gateway:Console:SessionLifetime"] = "01:00:00" };
        await using var gw = await PersonGateway.StartAsync(settings: settings, configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        using var client = Browser(gw);
        await SignInAsync(gw, client, "bob", ["approvers"]);
        clock.Advance(TimeSpan.FromMinutes(50));
        var later = await SignInNowAsync(gw, client, clock, "bob");
        clock.Advance(TimeSpan.FromMinutes(20));
        await AssertSignedInAsync(client, later);

        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        using var response = await PostLogoutAsync(client, gw.Provider.LogoutToken("bob", change: c => { c["iat"] = now; c["exp"] = now + 120; }));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        await AssertSignedOutAsync(client, later);
    }

    [Fact]
    public async Task BackChannelLogout_BySubjectWhileASignInStoresItsSession_TheNewSessionEndsOnItsNextRequest()
    {
        // The sign-in's session is written, not yet in bob's session index, when the logout walks that index.
        var hold = new StoreCallHold(nameof(IStateStore.SetAddAsync));
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles, configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => hold.Wrap(store))));
        using var client = Browser(gw);
        var (state, nonce, cookie) = await StartAsync(client);
        gw.Provider.TokenAnswer = (200, JsonSerializer.Serialize(new { id_token = gw.Provider.Issue("bob", ["approvers"], audience: TestOpenIdProvider.ClientId, nonce: nonce) }));
        hold.Arm(ConsoleSessionKeys.UserSessions("demo", gw.Provider.Issuer, "bob"));

        var signingIn = client.SendAsync(Get($"/console/demo/callback?state={state}&code=the-code", cookie));
        await hold.Reached;
        using var logout = await PostLogoutAsync(client, gw.Provider.LogoutToken("bob"));
        hold.Release();
        using var signedIn = await signingIn;

        Assert.True(logout.StatusCode == HttpStatusCode.OK, await logout.Content.ReadAsStringAsync());
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, await signedIn.Content.ReadAsStringAsync());
        await AssertSignedOutAsync(client, Cookie(signedIn, "gamut_console"));
    }

    [Theory]
    [InlineData("forged", "did not verify")]
    [InlineData("audience", "did not verify")]
    [InlineData("issuer", "did not verify")]
    [InlineData("nonce", "(nonce present)")]
    [InlineData("no-events", "(no back-channel logout event)")]
    [InlineData("other-event", "(no back-channel logout event)")]
    [InlineData("no-sub-or-sid", "(no sub or sid)")]
    [InlineData("no-jti", "(no jti)")]
    [InlineData("iat-future", "(iat out of range)")]
    [InlineData("iat-old", "(iat out of range)")]
    [InlineData("expired", "did not verify")]
    [InlineData("unsigned", "did not verify")]
    [InlineData("id-token", "(no back-channel logout event)")]
    public async Task BackChannelLogout_BadToken_IsRefusedAndEndsNothing(string kind, string why)
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var bob = await SignInAsync(gw, client, "bob", ["approvers"]);
        var p = gw.Provider;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var token = kind switch
        {
            "forged" => p.LogoutToken("bob", credentials: p.ImpostorCredentials()),
            "audience" => p.LogoutToken("bob", change: c => c["aud"] = "another-app"),
            "issuer" => p.LogoutToken("bob", change: c => c["iss"] = "https://impostor.example"),
            "nonce" => p.LogoutToken("bob", change: c => c["nonce"] = "n-0S6_WzA2Mj"),
            "no-events" => p.LogoutToken("bob", change: c => c.Remove("events")),
            "other-event" => p.LogoutToken("bob", change: c => c["events"] = new Dictionary<string, object> { ["http://schemas.openid.net/event/other"] = new Dictionary<string, object>() }),
            "no-sub-or-sid" => p.LogoutToken(subject: null),
            "no-jti" => p.LogoutToken("bob", change: c => c.Remove("jti")),
            "iat-future" => p.LogoutToken("bob", change: c => c["iat"] = now + 600),
            "iat-old" => p.LogoutToken("bob", change: c => { c["iat"] = now - 3600; c["exp"] = now + 60; }),
            "expired" => p.LogoutToken("bob", change: c => { c["iat"] = now - 200; c["exp"] = now - 120; }),
            "unsigned" => p.Unsigned("bob"),
            _ => p.Issue("bob", ["approvers"], audience: TestOpenIdProvider.ClientId, nonce: "a-sign-in-nonce"),
        };

        using var response = await PostLogoutAsync(client, token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request", error.RootElement.GetProperty("error").GetString());
        Assert.Contains(why, error.RootElement.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        await AssertSignedInAsync(client, bob);
    }

    [Fact]
    public async Task BackChannelLogout_ReplayedJti_IsRefused()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        // Issued before bob's sign-in after it (the provider dates ID tokens a second early): that sign-in is not the one it ended.
        var token = gw.Provider.LogoutToken("bob", change: c => c["iat"] = (long)c["iat"] - 2);
        using var first = await PostLogoutAsync(client, token);
        var bob = await SignInAsync(gw, client, "bob", ["approvers"]);

        using var replay = await PostLogoutAsync(client, token);

        Assert.True(first.StatusCode == HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Contains("already used", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertSignedInAsync(client, bob);
    }

    [Fact]
    public async Task BackChannelLogout_NoToken_IsRefused()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);

        using var missing = await client.SendAsync(PostForm(LogoutPath, cookie: null, new Dictionary<string, string>()));
        using var json = await client.PostAsync(LogoutPath, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        using var otherTenant = await client.SendAsync(PostForm("/console/no-such-tenant/backchannel-logout", null, new Dictionary<string, string> { ["logout_token"] = gw.Provider.LogoutToken("bob") }));

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, otherTenant.StatusCode);
    }

    [Fact]
    public async Task Session_RoleMappingRemovedFromConfiguration_EndsWithARefusal()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var bob = await SignInAsync(gw, client, "bob", ["approvers"]);
        var auditor = await SignInAsync(gw, client, "ann", ["auditors"]);
        await AssertSignedInAsync(client, bob);

        // The approver role is now given by another group: bob's groups give no role; ann's mapping is untouched.
        MapApproverRole(gw, "payments-approvers");

        using var refused = await client.SendAsync(Get("/console/demo/approvals", bob));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("console_no_role", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Refused, not signed out: a GET never ends a session (ConsoleClientPagesTests).
        using var clients = await client.SendAsync(Get("/console/demo/clients", bob));
        Assert.Equal(HttpStatusCode.OK, clients.StatusCode);
        using var audit = await client.SendAsync(Get("/console/demo/audit", auditor));
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
    }

    [Fact]
    public async Task Session_RoleGainedInConfiguration_AppliesAtOnce()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var ann = await SignInAsync(gw, client, "ann", ["auditors"]);
        using var before = await client.SendAsync(Get("/console/demo/approvals", ann));
        Assert.Equal(HttpStatusCode.Forbidden, before.StatusCode);

        MapApproverRole(gw, "auditors");

        using var after = await client.SendAsync(Get("/console/demo/approvals", ann));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Session_ProviderIssuerChangedByBundleReload_IsSignedOut()
    {
        // The tenant moves to another identity provider (the old one compromised): who signed in at the old one is signed out.
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var bob = await SignInAsync(gw, client, "bob", ["approvers"]);
        var admin = await TokenSignInAsync(client, await gw.Gateway.IssueTokenAsync("bob", "approver"));
        await AssertSignedInAsync(client, bob);

        await ReloadAsync(gw, text => text.Replace("issuer: \"" + gw.Provider.Issuer + "\"", "issuer: \"https://new-idp.example\"", StringComparison.Ordinal));

        await AssertSignedOutAsync(client, bob);
        await AssertSignedInAsync(client, admin);
    }

    [Fact]
    public async Task Session_BundleReloadedWithTheSameProvider_StaysSignedIn()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var bob = await SignInAsync(gw, client, "bob", ["approvers"]);

        await ReloadAsync(gw, text => text.Replace("{ scope: tenant, limit: 1000, window: 1m }", "{ scope: tenant, limit: 1001, window: 1m }", StringComparison.Ordinal));

        await AssertSignedInAsync(client, bob);
    }

    /// <summary>Reloads the gateway's configuration with the approver role given by <paramref name="group"/> instead.</summary>
    private static void MapApproverRole(PersonGateway gw, string group) =>
        ((IConfigurationBuilder)gw.Gateway.Host.Services.GetRequiredService<IConfiguration>())
            .Add(new MemoryConfigurationSource { InitialData = new Dictionary<string, string?> { ["Gateway:Console:Tenants:demo:Roles:approver:0"] = group } });

    /// <summary>Signs <paramref name="subject"/> in with an ID token issued at <paramref name="clock"/>'s time (the gateway's); the session cookie.</summary>
    private static async Task<string> SignInNowAsync(PersonGateway gw, HttpClient client, TimeProvider clock, string subject)
    {
        var (state, nonce, cookie) = await StartAsync(client);
        var idToken = gw.Provider.Issue(subject, ["approvers"], audience: TestOpenIdProvider.ClientId, notBefore: clock.GetUtcNow().UtcDateTime, nonce: nonce);
        gw.Provider.TokenAnswer = (200, JsonSerializer.Serialize(new { id_token = idToken }));
        using var response = await client.SendAsync(Get($"/console/demo/callback?state={state}&code=the-code", cookie));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return Cookie(response, "gamut_console");
    }

    private static Task<HttpResponseMessage> PostLogoutAsync(HttpClient client, string token) =>
        client.SendAsync(PostForm(LogoutPath, cookie: null, new Dictionary<string, string> { ["logout_token"] = token }));
}
