using System.Net;
using System.Text.Json;
using Gateway.Proxy.Console;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;
using static Gateway.Proxy.Tests.Console.ConsoleOidcSignIn;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// A console user's session index (what a back-channel logout and a suspension walk) holds only sessions that still exist,
/// on the embedded store (sessions expiring on its clock) and on a real redis-server (sessions gone as Redis expires them,
/// or signed out): a person signing in fifty times leaves an index of their live sessions, a logout still ends every one of
/// them, and a user already holding <see cref="ConsoleSessions.MaxSessionsPerUser"/> sessions still signs in: those idle
/// past the console's idle timeout end first, then the least recently seen, each ended (never only forgotten by the index).
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class ConsoleSessionIndexTests
{
    [Fact]
    public async Task SignIn_FiftyTimesAsSessionsExpire_IndexHoldsOnlyLiveSessionsAndLogoutEndsThem()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string>(DemoRoles) { ["Gateway:Console:SessionLifetime"] = "01:00:00", ["Gateway:Console:IdleTimeout"] = "01:00:00" };
        await using var gw = await PersonGateway.StartAsync(settings: settings, configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        using var client = Browser(gw);
        var sessions = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(25));
            sessions.Add(await SignInNowAsync(gw, client, clock));
        }

        // The sessions of the last hour: the one just started, 25 and 50 minutes old.
        var live = sessions.TakeLast(3).ToList();
        Assert.Equal(live.Select(KeyOf).Order(StringComparer.Ordinal), await IndexAsync(gw));

        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        using var logout = await PostLogoutAsync(client, gw.Provider.LogoutToken("bob", change: c => { c["iat"] = now; c["exp"] = now + 120; }));

        Assert.True(logout.StatusCode == HttpStatusCode.OK, await logout.Content.ReadAsStringAsync());
        foreach (var session in live)
        {
            await AssertSignedOutAsync(client, session);
        }

        Assert.Empty(await IndexAsync(gw));
    }

    [Fact]
    public async Task SignIn_OnRedisFiftyTimesAsSessionsEnd_IndexHoldsOnlyLiveSessionsAndLogoutEndsThem()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string>(DemoRoles) { ["Gateway:Store:Kind"] = "redis", ["Gateway:Store:Redis:Endpoint"] = redis.Endpoint };
        await using var gw = await PersonGateway.StartAsync(settings: settings);
        using var client = Browser(gw);
        var store = gw.Gateway.Host.Services.GetRequiredService<IStateStore>();
        var sessions = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            if (i >= 2)
            {
                // Gone as Redis expires a key: nothing tells the index.
                Assert.True(await store.DeleteAsync(KeyOf(sessions[i - 2])));
            }

            sessions.Add(await SignInAsync(gw, client, "bob", ["approvers"]));
        }

        Assert.Equal(sessions.TakeLast(2).Select(KeyOf).Order(StringComparer.Ordinal), await IndexAsync(gw));

        // Signed out: it leaves the index at once.
        using (var page = await client.SendAsync(Get("/console/demo/approvals", sessions[^1])))
        {
            var csrf = Hidden(await page.Content.ReadAsStringAsync(), "csrf")!;
            using var signOut = await client.SendAsync(PostForm("/console/sign-out", sessions[^1], new Dictionary<string, string> { ["csrf"] = csrf }));
            Assert.True((int)signOut.StatusCode < 400, await signOut.Content.ReadAsStringAsync());
        }

        Assert.Equal([KeyOf(sessions[^2])], await IndexAsync(gw));
        using var logout = await PostLogoutAsync(client, gw.Provider.LogoutToken("bob"));
        Assert.True(logout.StatusCode == HttpStatusCode.OK, await logout.Content.ReadAsStringAsync());
        await AssertSignedOutAsync(client, sessions[^2]);
        Assert.Empty(await IndexAsync(gw));
    }

    [Fact]
    public async Task SignIn_AtCapEndsLeastRecentlySeen()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles, configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        using var client = Browser(gw);
        var first = await SignInNowAsync(gw, client, clock);
        var start = clock.GetUtcNow();
        // Sessions a page's silent sign-ins left in other browsers' cookies: the oldest was last seen 30 seconds in, the rest a minute in.
        await FillAsync(gw, ConsoleSessions.MaxSessionsPerUser - 1, i => start.AddSeconds(i == 0 ? 30 : 60));
        clock.Advance(TimeSpan.FromMinutes(2));
        await AssertSignedInAsync(client, first);

        var next = await SignInNowAsync(gw, client, clock);

        var index = await IndexAsync(gw);
        Assert.Equal(ConsoleSessions.MaxSessionsPerUser, index.Count);
        Assert.DoesNotContain(Filler(0), index);
        Assert.Null(await gw.Gateway.Host.Services.GetRequiredService<IStateStore>().GetAsync(Filler(0)));
        Assert.Contains(KeyOf(next), index);
        await AssertSignedInAsync(client, first);
        await AssertSignedInAsync(client, next);
    }

    [Fact]
    public async Task SignIn_AtCapEndsIdleSessionsFirst()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles, configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        using var client = Browser(gw);
        var first = await SignInNowAsync(gw, client, clock);
        var start = clock.GetUtcNow();
        // Every other one last seen more than the idle timeout (30 minutes) ago: still stored, no longer live.
        await FillAsync(gw, ConsoleSessions.MaxSessionsPerUser - 1, i => i % 2 == 0 ? start.AddMinutes(-31) : start);

        var next = await SignInNowAsync(gw, client, clock);

        var store = gw.Gateway.Host.Services.GetRequiredService<IStateStore>();
        var live = Enumerable.Range(0, ConsoleSessions.MaxSessionsPerUser - 1).Where(static i => i % 2 == 1).Select(Filler);
        Assert.Equal(live.Append(KeyOf(first)).Append(KeyOf(next)).Order(StringComparer.Ordinal), (await IndexAsync(gw)).Order(StringComparer.Ordinal));
        Assert.Null(await store.GetAsync(Filler(0)));
        Assert.NotNull(await store.GetAsync(Filler(1)));
        await AssertSignedInAsync(client, first);
    }

    /// <summary>Stores and indexes <paramref name="count"/> sessions of bob, each last seen when <paramref name="seen"/> says.</summary>
    private static async Task FillAsync(PersonGateway gw, int count, Func<int, DateTimeOffset> seen)
    {
        var store = gw.Gateway.Host.Services.GetRequiredService<IStateStore>();
        var index = ConsoleSessionKeys.UserSessions("demo", gw.Provider.Issuer, "bob");
        for (var i = 0; i < count; i++)
        {
            var session = new ConsoleSession
            {
                Tenant = "demo",
                Subject = "bob",
                Issuer = gw.Provider.Issuer,
                Person = "bob",
                Roles = ["approver"],
                Groups = ["approvers"],
                Csrf = "csrf-" + i,
                ExpiresAt = seen(i).AddHours(8),
                LastSeenAt = seen(i),
            };
            await store.SetAsync(Filler(i), JsonSerializer.Serialize(session, ConsoleJsonContext.Default.ConsoleSession), TimeSpan.FromHours(8));
            await store.SetAddAsync(index, Filler(i), TimeSpan.FromHours(8));
        }
    }

    private static string Filler(int i) => ConsoleSessionKeys.Session("filler-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static string KeyOf(string cookie) => ConsoleSessionKeys.Session(cookie["gamut_console=".Length..]);

    private static async Task<IReadOnlyList<string>> IndexAsync(PersonGateway gw) =>
        await gw.Gateway.Host.Services.GetRequiredService<IStateStore>().SetMembersAsync(ConsoleSessionKeys.UserSessions("demo", gw.Provider.Issuer, "bob"));

    /// <summary>Signs bob in with an ID token issued at <paramref name="clock"/>'s time (the gateway's); the session cookie.</summary>
    private static async Task<string> SignInNowAsync(PersonGateway gw, HttpClient client, TimeProvider clock)
    {
        var (state, nonce, cookie) = await StartAsync(client);
        var idToken = gw.Provider.Issue("bob", ["approvers"], audience: TestOpenIdProvider.ClientId, notBefore: clock.GetUtcNow().UtcDateTime, nonce: nonce);
        gw.Provider.TokenAnswer = (200, JsonSerializer.Serialize(new { id_token = idToken }));
        using var response = await client.SendAsync(Get($"/console/demo/callback?state={state}&code=the-code", cookie));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return Cookie(response, "gamut_console");
    }

    private static Task<HttpResponseMessage> PostLogoutAsync(HttpClient client, string token) =>
        client.SendAsync(PostForm("/console/demo/backchannel-logout", cookie: null, new Dictionary<string, string> { ["logout_token"] = token }));
}
