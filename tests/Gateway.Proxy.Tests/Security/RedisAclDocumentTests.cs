using System.Net;
using System.Text.RegularExpressions;
using Gateway.Admin.Tokens;
using Gateway.Authorization.AccessTokens;
using Gateway.Authorization.Interactive;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Security;

/// <summary>
/// The Redis ACL user docs/operations.md recommends ("ACL user"), read from the document itself and applied to a real
/// redis-server: the people-facing features (the OAuth authorization-code grant, registered clients, the OAuth rate
/// limits, console sign-in and the console's suspensions of people) are served as that user, whose keys they all lie
/// under, while a key outside the user's patterns is still refused.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed partial class RedisAclDocumentTests
{
    private const string User = "gateway";
    private const string UserPassword = "gw-acl-doc-pass";

    [Fact]
    public async Task DocumentedAclUser_PeopleFeaturesStoreCalls_AreServed()
    {
        await using var redis = await StartWithDocumentedUserAsync();
        await using var store = new RedisStateStore(new RedisStoreOptions
        {
            Endpoint = redis.Endpoint,
            User = User,
            Password = UserPassword,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            CommandTimeout = TimeSpan.FromSeconds(10),
        });
        var ct = CancellationToken.None;
        var (tenant, issuer, subject) = ("acme", "https://idp.example.com", "person-1");
        var ends = DateTimeOffset.UtcNow.AddHours(1);

        // An agent's keys, under gw:*.
        await store.SetAsync(StoreKeys.McpSession(tenant, "s1"), "{}", TimeSpan.FromMinutes(1), ct);

        // Registered clients and the OAuth rate limits (oauth:*).
        var clients = new RegisteredClients(store);
        var clientId = await clients.RegisterAsync(["https://client.example/cb"], ct);
        Assert.True(await clients.RenewAsync(clientId, ct));
        var limits = new InteractiveRateLimit(store, Options.Create(new AccessTokenOptions()), NullLogger<InteractiveRateLimit>.Instance);
        var caller = new DefaultHttpContext();
        caller.Connection.RemoteIpAddress = IPAddress.Loopback;
        Assert.Null(await limits.RefuseAsync(caller, InteractiveRateLimit.Authorize));

        // The authorization-code grant: a pending request, a family, a code exchanged, a refresh token rotated, a consent (oauth:*).
        var grants = new InteractiveGrants(store, TimeProvider.System);
        var request = await grants.SaveRequestAsync(new PendingAuthorization(tenant, "agent", clientId, "https://client.example/cb", "challenge", "https://gw.example/mcp", null, issuer), ct);
        Assert.NotNull(await grants.TakeRequestAsync(request, ct));
        var family = await grants.StartFamilyAsync(tenant, issuer, subject, clientId, ends, ct);
        var grant = new InteractiveGrant(tenant, "ws", "agent", clientId, subject, issuer, [], "https://gw.example/mcp", family, ends);
        Assert.Equal(family, (await grants.RedeemCodeAsync(await grants.IssueCodeAsync(grant, ct), ct))?.Family);
        Assert.Equal(family, (await grants.RedeemRefreshTokenAsync(await grants.IssueRefreshTokenAsync(grant, ct), ct))?.Family);
        Assert.True(await grants.IsFamilyLiveAsync(family, ct));
        await grants.SaveConsentAsync(tenant, issuer, subject, new PersonConsent(clientId, "ws", "agent", DateTimeOffset.UtcNow, ends), ct);
        Assert.Single(await grants.ListConsentsAsync(tenant, issuer, subject, ct));

        // The console's suspensions of people, read on every person-token request (console:*).
        await ConsolePersonSuspensions.RememberAsync(store, tenant, issuer, subject, "person-1", ct);
        Assert.False(await ConsolePersonSuspensions.IsPersonSuspendedAsync(store, tenant, "person-1", ct));
        await ConsolePersonSuspensions.SuspendAsync(store, tenant, issuer, subject, ct);
        Assert.True(await ConsolePersonSuspensions.IsSuspendedAsync(store, tenant, issuer, subject, ct));

        // The ACL is in force: a key under none of its patterns is refused.
        var denied = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.SetAsync("other:key", "x", null, ct));
        Assert.Contains("NOPERM", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DocumentedAclUser_ConsoleTokenSignIn_OpensThePage()
    {
        await using var redis = await StartWithDocumentedUserAsync();
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Store:Kind"] = "redis",
            ["Gateway:Store:Redis:Endpoint"] = redis.Endpoint,
            ["Gateway:Store:Redis:User"] = User,
            ["Gateway:Store:Redis:Password"] = UserPassword,
        }));
        using var client = Browser(gw.Host.BaseAddress);

        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("carol", "auditor"));
        using var page = await client.SendAsync(Get("/console/demo/audit", session));

        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{(int)page.StatusCode}: {await page.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// The <c>ACL SETUSER</c> line the document's "ACL user" paragraph gives (up to the next heading), exactly: one, in
    /// backticks, its password elided as <c>&gt;…</c>.
    /// </summary>
    internal static IReadOnlyList<string> DocumentedAclLine()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "operations.md"));
        var start = text.IndexOf("**ACL user.**", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/operations.md has no \"**ACL user.**\" paragraph");
        var end = text.IndexOf("\n#", start, StringComparison.Ordinal);
        var line = Assert.Single(AclLine().Matches(text[start..(end < 0 ? text.Length : end)])).Groups["line"].Value;
        var words = Regex.Split(line, @"\s+");
        Assert.Equal(new[] { "ACL", "SETUSER", User, "on", ">…" }, words[..5]);
        return words;
    }

    // A redis-server whose user "gateway" has the documented rules (and the given password); the default user stays for setup.
    private static async Task<RedisServer> StartWithDocumentedUserAsync()
    {
        var redis = await RedisServer.StartAsync();
        try
        {
            var words = DocumentedAclLine().Select(static w => w == ">…" ? ">" + UserPassword : w).ToArray();
            await RedisCommandLine.RunAsync(redis.Port, words);
            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    [GeneratedRegex(@"`(?<line>ACL SETUSER [^`]+)`")]
    private static partial Regex AclLine();
}
