using System.Net;
using System.Text.Json;
using Gateway.Proxy.People.Links;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// <c>GET /admin/v1/tenants/{tenant}/connections</c> and <c>DELETE …/connections/{person}/{connector}</c>: the tenant's
/// linked upstream accounts without their tokens, one person's with <c>?person=</c>; a revocation that removes the link
/// (the next read finds none), is written to the audit chain, and answers 404 problem+json when there is none; admin only.
/// </summary>
public sealed class ConnectionAdminEndpointsTests : IAsyncLifetime
{
    private const string AccessToken = "upstream-access-token-admin-never-shown-42";
    private const string RefreshToken = "upstream-refresh-token-admin-never-shown-42";
    private const string Issuer = "https://id.example.com";

    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(ConsoleConnectionPagesTests.PerPersonDocs);

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task ListConnections_TwoPeopleLinked_ListsPersonConnectorAndUpstreamAccountWithoutTokens()
    {
        await LinkAsync("alice", "upstream-alice");
        await LinkAsync("bob", "upstream-bob");

        using var all = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/connections");
        using var bobs = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/connections?person=bob");
        var body = await all.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        using var listed = JsonDocument.Parse(body);
        Assert.Equal(
            [("alice", Issuer, "docs", "upstream-alice"), ("bob", Issuer, "docs", "upstream-bob")],
            listed.RootElement.GetProperty("connections").EnumerateArray()
                .Select(static c => (c.GetProperty("person").GetString(), c.GetProperty("person_issuer").GetString(), c.GetProperty("connector").GetString(), c.GetProperty("upstream_account").GetString()))
                .Order().ToList());
        Assert.DoesNotContain(AccessToken, body, StringComparison.Ordinal);
        Assert.DoesNotContain(RefreshToken, body, StringComparison.Ordinal);
        using var onlyBob = JsonDocument.Parse(await bobs.Content.ReadAsStringAsync());
        Assert.Equal("bob", Assert.Single(onlyBob.RootElement.GetProperty("connections").EnumerateArray()).GetProperty("person").GetString());
    }

    [Fact]
    public async Task RevokeConnection_Linked_RemovesItAndRecordsTheAdminAction()
    {
        await LinkAsync("alice", "upstream-alice");

        using var revoked = await _gw.Admin().DeleteAsync("/admin/v1/tenants/demo/connections/alice/docs");
        using var again = await _gw.Admin().DeleteAsync("/admin/v1/tenants/demo/connections/alice/docs");

        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Null(await Links.GetAsync(Key("alice"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Contains("connection_not_found", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var audit = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000");
        using var records = JsonDocument.Parse(await audit.Content.ReadAsStringAsync());
        Assert.Single(records.RootElement.GetProperty("records").EnumerateArray(), r => r.GetProperty("tool").GetString() == "admin.connection.revoke" && r.GetProperty("person").GetString() == "alice");
    }

    [Fact]
    public async Task Connections_AuditorToken_Is403AndRevokesNothing()
    {
        await LinkAsync("alice", "upstream-alice");
        var auditor = _gw.Admin(await _gw.IssueTokenAsync("olga", "auditor"));

        using var listed = await auditor.GetAsync("/admin/v1/tenants/demo/connections");
        using var revoked = await auditor.DeleteAsync("/admin/v1/tenants/demo/connections/alice/docs");

        Assert.Equal(HttpStatusCode.Forbidden, listed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, revoked.StatusCode);
        Assert.NotNull(await Links.GetAsync(Key("alice"), CancellationToken.None));
    }

    private LinkedAccounts Links => _gw.Host.Services.GetRequiredService<LinkedAccounts>();

    private static LinkedAccountKey Key(string subject) => new("demo", Issuer, subject, "docs");

    private Task LinkAsync(string subject, string upstream) => Links.StoreAsync(Key(subject), new LinkedAccount
    {
        LinkId = Guid.NewGuid().ToString("N"), AccessToken = AccessToken, RefreshToken = RefreshToken, UpstreamSubject = upstream, LinkedAt = DateTimeOffset.UtcNow,
    }, CancellationToken.None).AsTask();
}
