using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Authorization.Interactive;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Proxy.Tests.Interactive;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;
using Sessions = Gateway.Proxy.Console;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;
using static Gateway.Proxy.Tests.Console.ConsoleOidcSignIn;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// A console user is an issuer and a subject, against <see cref="TestOpenIdProvider"/>s: a person of the provider whose
/// <c>sub</c> reads <c>admin-token:bob</c> and the Development admin-token sign-in of bob are two users (suspending one leaves
/// the other), a person of the provider the tenant moved to is not held by a suspension of the same <c>sub</c> at the old
/// one, and a suspension written before marks named the issuer still suspends the subject, as sessions listed by subject
/// or sid alone are still ended; a consent the same <c>sub</c> gave at another issuer is not the person's.
/// </summary>
public sealed class ConsoleUserIssuerTests
{
    [Fact]
    public async Task Suspend_ProviderPersonWhoseSubjectNamesAnAdminToken_LeavesThatAdminTokensSignIn()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var atProvider = await SignInAsync(gw, client, "admin-token:bob", ["approvers"]);
        var withToken = await TokenSignInAsync(client, await gw.Gateway.IssueTokenAsync("bob", "approver"));

        var suspended = await ChangeAsync(gw, "admin-token:bob", "suspend", gw.Provider.Issuer);

        Assert.Equal(1, suspended.GetProperty("sessions_ended").GetInt32());
        Assert.Equal(gw.Provider.Issuer, suspended.GetProperty("issuer").GetString());
        await AssertSignedOutAsync(client, atProvider);
        await AssertSignedInAsync(client, withToken);
        await ChangeAsync(gw, "admin-token:bob", "resume", gw.Provider.Issuer);
        var again = await SignInAsync(gw, client, "admin-token:bob", ["approvers"]);

        await ChangeAsync(gw, "admin-token:bob", "suspend", "admin-token");

        await AssertSignedOutAsync(client, withToken);
        await AssertSignedInAsync(client, again);
        var users = await UsersAsync(gw);
        Assert.Equal(2, users.Count(u => u.GetProperty("subject").GetString() == "admin-token:bob"));
        Assert.True(users.Single(u => u.GetProperty("issuer").GetString() == "admin-token").GetProperty("suspended").GetBoolean());
        Assert.False(users.Single(u => u.GetProperty("issuer").GetString() == gw.Provider.Issuer).GetProperty("suspended").GetBoolean());
    }

    [Fact]
    public async Task SignIn_SameSubjectAtTheProviderTheTenantMovedTo_IsNotHeldByTheOldProvidersSuspension()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        await using var next = await TestOpenIdProvider.StartAsync();
        using var client = Browser(gw);
        await SignInAsync(gw, client, "bob", ["approvers"]);
        await ChangeAsync(gw, "bob", "suspend", issuer: null);

        await ReloadAsync(gw, text => text.Replace("issuer: \"" + gw.Provider.Issuer + "\"", "issuer: \"" + next.Issuer + "\"", StringComparison.Ordinal));
        var atNext = await SignInAtAsync(next, client, "bob", ["approvers"]);

        await AssertSignedInAsync(client, atNext);
        var users = await UsersAsync(gw);
        var old = users.Single(u => u.GetProperty("issuer").GetString() == gw.Provider.Issuer);
        var now = users.Single(u => u.GetProperty("issuer").GetString() == next.Issuer);
        Assert.True(old.GetProperty("suspended").GetBoolean());
        Assert.Equal("bob", now.GetProperty("subject").GetString());
        Assert.False(now.GetProperty("suspended").GetBoolean());
        Assert.Equal(1, now.GetProperty("sessions").GetInt32());
    }

    [Fact]
    public async Task SignIn_SuspensionWrittenUnderTheSubjectOnly_IsRefusedUntilResumed()
    {
        // A mark of the earlier layout (console:suspended:<tenant>:<sha256(sub)>) names no issuer: it suspends the subject
        // at every issuer (the fail-closed reading) until an administrator resumes the subject.
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var store = gw.Gateway.Host.Services.GetRequiredService<IStateStore>();
        await store.SetAsync("console:suspended:demo:" + Sha256("bob"), "1", expiry: null);

        var (state, nonce, cookie) = await StartAsync(client);
        gw.Provider.TokenAnswer = (200, JsonSerializer.Serialize(new { id_token = gw.Provider.Issue("bob", ["approvers"], audience: TestOpenIdProvider.ClientId, nonce: nonce) }));
        using var refused = await client.SendAsync(Get($"/console/demo/callback?state={state}&code=c1", cookie));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("console_person_suspended", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await ChangeAsync(gw, "bob", "resume", issuer: null);

        await AssertSignedInAsync(client, await SignInAsync(gw, client, "bob", ["approvers"]));
    }

    [Fact]
    public async Task SessionsListedBySubjectOrSidAlone_SuspensionAndSidOnlyLogout_EndThem()
    {
        // Sessions an earlier version listed under the subject alone and the sid alone are still found and ended.
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var bob = await PlantSessionAsync(gw, "bob", sid: null);
        var carol = await PlantSessionAsync(gw, "carol", sid: "sid-carol-old");
        await AssertSignedInAsync(client, bob);
        await AssertSignedInAsync(client, carol);

        var suspended = await ChangeAsync(gw, "bob", "suspend", issuer: null);
        using var logout = await client.SendAsync(PostForm("/console/demo/backchannel-logout", null,
            new Dictionary<string, string> { ["logout_token"] = gw.Provider.LogoutToken(subject: null, sid: "sid-carol-old") }));

        Assert.Equal(1, suspended.GetProperty("sessions_ended").GetInt32());
        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        await AssertSignedOutAsync(client, bob);
        await AssertSignedOutAsync(client, carol);
    }

    [Fact]
    public async Task Authorize_ConsentGivenForTheSameSubjectAtAnotherIssuer_ShowsTheConsentPageAndListsNoClient()
    {
        await using var gw = await InteractiveGateway.StartAsync();
        using var browser = gw.Browser();
        var grants = gw.Gateway.Host.Services.GetRequiredService<InteractiveGrants>();
        var now = DateTimeOffset.UtcNow;
        // The same sub at another issuer (say the provider the tenant left) allowed this client as this agent.
        await grants.SaveConsentAsync("demo", "https://old-idp.example", "alice",
            new PersonConsent(InteractiveGateway.ClientId, "ws-demo", "demo-agent", now, now.AddHours(8)), CancellationToken.None);
        using var start = await browser.GetAsync(gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge));
        var consentPath = start.Headers.Location!.OriginalString;
        var session = await gw.SignInAsync(browser, consentPath, "alice", []);

        using var page = await browser.SendAsync(Get(consentPath, session));
        using var clients = await browser.SendAsync(Get("/console/demo/clients", session));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("name=\"decision\" value=\"approve\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("You have not allowed any client to act for you.", await clients.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Stores a session of <paramref name="subject"/> at the provider as an earlier version did (listed under the subject and the sid alone): its cookie.</summary>
    private static async Task<string> PlantSessionAsync(PersonGateway gw, string subject, string? sid)
    {
        var store = gw.Gateway.Host.Services.GetRequiredService<IStateStore>();
        var id = Sessions.ConsoleSessions.RandomToken();
        var key = "console:session:" + Sha256(id);
        var session = new Sessions.ConsoleSession
        {
            Tenant = "demo",
            Subject = subject,
            Issuer = gw.Provider.Issuer,
            Person = subject,
            Roles = ["approver"],
            Groups = ["approvers"],
            Sid = sid,
            Csrf = Sessions.ConsoleSessions.RandomToken(),
            ExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
        };
        await store.SetAsync(key, JsonSerializer.Serialize(session, Sessions.ConsoleJsonContext.Default.ConsoleSession), TimeSpan.FromHours(1));
        await store.SetAddAsync("console:person:demo:" + Sha256(subject), key, TimeSpan.FromHours(1));
        await store.SetAddAsync("console:people:demo", subject, expiry: null);
        if (sid is not null)
        {
            await store.SetAddAsync("console:sid:demo:" + Sha256(sid), key, TimeSpan.FromHours(1));
        }

        return Sessions.ConsoleSessions.CookieName + "=" + id;
    }

    private static string Sha256(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>POSTs the admin API's suspend or resume of <paramref name="subject"/> (at <paramref name="issuer"/>, when given): its answer.</summary>
    private static async Task<JsonElement> ChangeAsync(PersonGateway gw, string subject, string verb, string? issuer)
    {
        var path = "/admin/v1/tenants/demo/console-users/" + Uri.EscapeDataString(subject) + "/" + verb + (issuer is null ? string.Empty : "?issuer=" + Uri.EscapeDataString(issuer));
        using var response = await gw.Gateway.Admin().PostAsync(path, content: null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<List<JsonElement>> UsersAsync(PersonGateway gw)
    {
        var listed = JsonDocument.Parse(await gw.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/console-users")).RootElement.Clone();
        return [.. listed.GetProperty("users").EnumerateArray()];
    }
}
