using System.Net;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Policy;
using Gateway.Proxy.People.Links;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// A person's "Your connections" page (<c>/console/{tenant}/connections</c>): their own links to the tenant's
/// <c>per_person</c> connectors (the upstream account, never a token), a link or relink that sends them to the link page
/// with a grant of their own, a revocation with the session's CSRF token (written to the audit chain); and the audit
/// journal naming the person with their upstream account.
/// </summary>
public sealed class ConsoleConnectionPagesTests : IAsyncLifetime
{
    private const string AccessToken = "upstream-access-token-never-shown-0123456789";
    private const string Alice = InteractiveAccess.AdminTokenIssuer + ":alice";

    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(PerPersonDocs);

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    /// <summary>The example's docs connector, acting with each person's own account at a loopback authorization server (never reached).</summary>
    internal static string PerPersonDocs(string text) => text.Replace(
        "workspaces: [ws-demo]\n", "workspaces: [ws-demo]\nopenid_provider:\n  issuer: \"http://127.0.0.1:9/op\"\n  audiences: [agent-app]\n", StringComparison.Ordinal).Replace(
        "    upstream: http://127.0.0.1:9200/mcp\n    credential: none\n",
        "    upstream: http://127.0.0.1:9200/mcp\n    credential: none\n    person:\n      credential: per_person\n      authorization_server: \"http://127.0.0.1:9/as\"\n"
        + "      client: { id: gamut-link, secret: \"vault:docs-link-client\" }\n      scopes: [openid]\n",
        StringComparison.Ordinal);

    [Fact]
    public async Task ConnectionsPage_LinkedAndUnlinked_ShowsOwnUpstreamAccountNeverATokenNorAnotherPersons()
    {
        await LinkAsync(Alice, "upstream-alice");
        await LinkAsync(InteractiveAccess.AdminTokenIssuer + ":bob", "upstream-bob");
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "auditor"));

        using var page = await client.SendAsync(Get("/console/demo/connections", session));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<td>docs</td><td>upstream-alice</td>", html, StringComparison.Ordinal);
        Assert.Contains("aria-label=\"Revoke docs\"", html, StringComparison.Ordinal);
        Assert.Contains("aria-label=\"Relink docs\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("upstream-bob", html, StringComparison.Ordinal);
        Assert.DoesNotContain(AccessToken, html, StringComparison.Ordinal);
        Assert.Contains("/console/demo/connections\">Your connections</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionsPage_NotSignedIn_RedirectsToSignIn()
    {
        using var client = Browser(_gw.Host.BaseAddress);

        using var page = await client.SendAsync(Get("/console/demo/connections", null));

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.EndsWith("/console/demo/sign-in", page.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_WithTheSessionsCsrfToken_RemovesTheLinkAndRecordsIt()
    {
        await LinkAsync(Alice, "upstream-alice");
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "auditor"));
        var csrf = await CsrfAsync(client, session);

        using var revoked = await client.SendAsync(PostForm("/console/demo/connections/revoke", session, new Dictionary<string, string> { ["csrf"] = csrf, ["connector"] = "docs" }));

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Contains("Revoked: the connector no longer acts with your account", await revoked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await Links.GetAsync(Key(Alice), CancellationToken.None));
        var records = await ReadAuditAsync();
        Assert.Contains(records, r => r.GetProperty("tool").GetString() == "console.connection.revoke" && r.GetProperty("person").GetString() == Alice);
    }

    [Fact]
    public async Task Revoke_ConnectorThatExchangesTheSignInFirst_SaysTheExchangeGoesOn()
    {
        await using var gw = await GovernedGateway.StartAsync(text => PerPersonDocs(text).Replace("      scopes: [openid]\n", "      scopes: [openid]\n      token_exchange: true\n", StringComparison.Ordinal));
        await gw.Host.Services.GetRequiredService<LinkedAccounts>().StoreAsync(Key(Alice), new LinkedAccount
        {
            LinkId = Guid.NewGuid().ToString("N"), AccessToken = AccessToken, UpstreamSubject = "upstream-alice", LinkedAt = DateTimeOffset.UtcNow,
        }, CancellationToken.None);
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("alice", "auditor"));
        var csrf = await CsrfAsync(client, session);

        using var revoked = await client.SendAsync(PostForm("/console/demo/connections/revoke", session, new Dictionary<string, string> { ["csrf"] = csrf, ["connector"] = "docs" }));

        var html = await revoked.Content.ReadAsStringAsync();
        Assert.Contains("Revoked the link. This connector first exchanges your sign-in", html, StringComparison.Ordinal);
        Assert.DoesNotContain("no longer acts with your account", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_WithoutTheCsrfToken_Is403AndKeepsTheLink()
    {
        await LinkAsync(Alice, "upstream-alice");
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "auditor"));

        using var refused = await client.SendAsync(PostForm("/console/demo/connections/revoke", session, new Dictionary<string, string> { ["csrf"] = "forged", ["connector"] = "docs" }));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("console_csrf_invalid", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(await Links.GetAsync(Key(Alice), CancellationToken.None));
    }

    [Fact]
    public async Task Link_PerPersonConnector_RedirectsToTheLinkPageWithAGrantForThisPerson()
    {
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "auditor"));
        var csrf = await CsrfAsync(client, session);

        using var linked = await client.SendAsync(PostForm("/console/demo/connections/link", session, new Dictionary<string, string> { ["csrf"] = csrf, ["connector"] = "docs" }));
        using var unknown = await client.SendAsync(PostForm("/console/demo/connections/link", session, new Dictionary<string, string> { ["csrf"] = csrf, ["connector"] = "crm" }));

        Assert.Equal(HttpStatusCode.Redirect, linked.StatusCode);
        var location = linked.Headers.Location!.ToString();
        Assert.StartsWith("/connections/demo/docs/link?grant=", location, StringComparison.Ordinal);
        var grant = await _gw.Host.Services.GetRequiredService<LinkGrants>().PeekAsync("demo", Uri.UnescapeDataString(location[(location.IndexOf('=') + 1)..]), CancellationToken.None);
        Assert.NotNull(grant);
        Assert.Equal((InteractiveAccess.AdminTokenIssuer, Alice, "docs"), (grant.PersonIssuer, grant.PersonSubject, grant.Connector));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task AuditPage_CallForAPersonWithTheirUpstreamAccount_NamesBoth()
    {
        await _gw.Host.Services.GetRequiredService<AuditJournal>().AppendAsync(new AuditEntry
        {
            Tenant = "demo", Agent = "demo-agent", Tool = "docs.search", Decision = "allow", Person = "alice", PersonIssuer = "https://id.example.com", UpstreamAccount = "upstream-alice",
        });
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("olga", "auditor"));

        using var page = await client.SendAsync(Get("/console/demo/audit?agent=demo-agent", session));

        Assert.Contains(" · demo-agent for alice (upstream account upstream-alice) · docs.search · ", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private LinkedAccounts Links => _gw.Host.Services.GetRequiredService<LinkedAccounts>();

    private static LinkedAccountKey Key(string subject) => new("demo", InteractiveAccess.AdminTokenIssuer, subject, "docs");

    private Task LinkAsync(string subject, string upstream) => Links.StoreAsync(Key(subject), new LinkedAccount
    {
        LinkId = Guid.NewGuid().ToString("N"), AccessToken = AccessToken, UpstreamSubject = upstream, LinkedAt = DateTimeOffset.UtcNow,
    }, CancellationToken.None).AsTask();

    private static async Task<string> CsrfAsync(HttpClient client, string session)
    {
        using var page = await client.SendAsync(Get("/console/demo/connections", session));
        return Hidden(await page.Content.ReadAsStringAsync(), "csrf")!;
    }

    private async Task<List<JsonElement>> ReadAuditAsync()
    {
        using var answer = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000");
        using var document = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return [.. document.RootElement.GetProperty("records").EnumerateArray().Select(static r => r.Clone())];
    }
}
