using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.People.Links;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A person's linked upstream account (<c>credential: per_person</c>) on two replicas behind one real redis-server: a
/// revocation on one replica refuses the next call on the other, and stands when the other replica was refreshing the link
/// meanwhile; a token about to expire is refreshed exactly once at the authorization server under 50 concurrent calls spread
/// over both replicas, and a refresh that outlived its lease leaves the lease another replica took since; Redis holds the
/// link only as ciphertext.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class LinkedAccountAcrossReplicasTests : IAsyncLifetime
{
    private const string ContactsBinding = "    http: { method: GET, path: \"/contacts/{id}\", args: query }";
    private KestrelUpstream _crm = null!;
    private TestOpenIdProvider _provider = null!;
    private TestAuthorizationServer _server = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _crm = await ReplicaUpstreams.StartCrmAsync();
        _provider = await TestOpenIdProvider.StartAsync();
        _server = await TestAuthorizationServer.StartAsync();
        var person = $"    person: {{ credential: per_person, authorization_server: \"{_server.Issuer}\", client: {{ id: {TestAuthorizationServer.ClientId}, secret: \"vault:tracker-client\" }} }}\n";
        _cluster = await ReplicaCluster.StartAsync(
            replicas: 2,
            new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = _crm.Origin },
            text => ReplicaUpstreams.WithoutCrmCredentialOrRateLimits(text)
                .Replace("workspaces: [ws-demo]\n", "workspaces: [ws-demo]\n" + _provider.BundleSection(), StringComparison.Ordinal)
                .Replace(ContactsBinding, person + ContactsBinding, StringComparison.Ordinal));
        using var admin = _cluster.Admin(0);
        using var put = await admin.PutAsync("/admin/v1/tenants/demo/credentials/tracker-client",
            new StringContent(JsonSerializer.Serialize(new { value = TestAuthorizationServer.ClientSecret }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_server?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_provider?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_crm?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task Revoke_OnOneReplica_TheNextCallOnTheOtherIsRefusedAndRedisHeldOnlyCiphertext()
    {
        const string Token = "at-upstream-erin-linked-3f9a1c";
        await SeedAsync(Token, refreshToken: null, TimeSpan.FromHours(1));
        var keys = await RedisCli.RunAsync(_cluster.Redis.Port, "KEYS", "*linked:*");
        var key = Assert.Single(keys.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.DoesNotContain("erin", key, StringComparison.Ordinal);
        var stored = await RedisCli.RunAsync(_cluster.Redis.Port, "GET", key);
        Assert.StartsWith("gwenc:v1:", stored.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain(Token, stored, StringComparison.Ordinal);

        using var before = await CallAsync(1, "c-1");
        var revoked = await _cluster[0].Services.GetRequiredService<LinkedAccounts>().RevokeAsync("demo", "erin", "crm.read_contact", CancellationToken.None);
        using var after = await CallAsync(1, "c-2");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(1, revoked);
        await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Forbidden, "upstream_account_not_linked");
        var crm = _crm.Received.Where(r => r.Target.StartsWith("/crm/contacts/", StringComparison.Ordinal)).ToList();
        Assert.Equal("Bearer " + Token, Assert.Single(crm).Headers["Authorization"]);
    }

    [Fact]
    public async Task InvokeTool_TokenAboutToExpireUnder50CallsOnTwoReplicas_IsRefreshedOnce()
    {
        await SeedAsync("at-upstream-erin-expiring-77e2", _server.IssueRefreshToken("upstream-erin"), TimeSpan.FromSeconds(20));
        _server.RefreshGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var calls = Enumerable.Range(0, 50).Select(i => CallAsync(i % 2, "c-" + i)).ToList();
        await Gateway.Testing.Eventually.HoldsAsync(() => _server.Refreshes >= 1, TimeSpan.FromSeconds(30), "no refresh arrived");
        _server.RefreshGate.SetResult();
        var responses = await Task.WhenAll(calls);

        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Equal(1, _server.Refreshes);
            var refreshed = Assert.Single(_server.AccessTokens);
            var crm = _crm.Received.Where(r => r.Target.StartsWith("/crm/contacts/", StringComparison.Ordinal)).ToList();
            Assert.Equal(50, crm.Count);
            Assert.All(crm, r => Assert.Equal("Bearer " + refreshed, r.Headers["Authorization"]));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Revoke_OnOneReplicaWhileTheOtherRefreshes_StaysRevokedOnBoth()
    {
        var refreshing = await RefreshHeldOnReplica1Async("at-upstream-erin-expiring-51c0");
        using var admin = _cluster.Admin(0);
        using var revoke = await admin.DeleteAsync("/admin/v1/tenants/demo/connections/erin/crm.read_contact");
        _server.RefreshGate!.SetResult();
        using var during = await refreshing;
        using var next = await CallAsync(1, "c-2");
        using var other = await CallAsync(0, "c-3");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.True(during.StatusCode == HttpStatusCode.Forbidden, await during.Content.ReadAsStringAsync());
        await ProblemAssert.IsProblemAsync(next, HttpStatusCode.Forbidden, "upstream_account_not_linked");
        await ProblemAssert.IsProblemAsync(other, HttpStatusCode.Forbidden, "upstream_account_not_linked");
        Assert.Empty((await RedisCli.RunAsync(_cluster.Redis.Port, "KEYS", "*}:linked:*")).Trim());
        Assert.DoesNotContain(_crm.Received, r => r.Target.StartsWith("/crm/contacts/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refresh_OutlivingItsLease_LeavesTheLeaseAnotherReplicaTookSince()
    {
        var refreshing = await RefreshHeldOnReplica1Async("at-upstream-erin-expiring-8d41");
        var lease = Assert.Single((await RedisCli.RunAsync(_cluster.Redis.Port, "KEYS", "*linked-refresh:*")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        // The upstream answered after the lease's lifetime: it ran out, and another replica's refresh holds the next one.
        await RedisCli.RunAsync(_cluster.Redis.Port, "SET", lease, "another-replicas-lease", "PX", "60000");
        _server.RefreshGate!.SetResult();
        using var refreshed = await refreshing;

        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal("another-replicas-lease", (await RedisCli.RunAsync(_cluster.Redis.Port, "GET", lease)).Trim());
    }

    /// <summary>Links erin with a token about to expire and starts a call on replica 1, its refresh held at the server (released by <c>RefreshGate</c>).</summary>
    private async Task<Task<HttpResponseMessage>> RefreshHeldOnReplica1Async(string accessToken)
    {
        await SeedAsync(accessToken, _server.IssueRefreshToken("upstream-erin"), TimeSpan.FromSeconds(20));
        _server.RefreshGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refreshing = CallAsync(1, "c-1");
        await Gateway.Testing.Eventually.HoldsAsync(() => _server.Refreshes >= 1, TimeSpan.FromSeconds(30), "no refresh arrived");
        return refreshing;
    }

    private async Task SeedAsync(string accessToken, string? refreshToken, TimeSpan lifetime)
    {
        var accounts = _cluster[0].Services.GetRequiredService<LinkedAccounts>();
        await accounts.StoreAsync(new LinkedAccountKey("demo", _provider.Issuer, "erin", "crm.read_contact"), new LinkedAccount
        {
            LinkId = Guid.NewGuid().ToString("N"),
            AccessToken = accessToken,
            RefreshToken = refreshToken,
            ExpiresAt = DateTimeOffset.UtcNow + lifetime,
            UpstreamSubject = "upstream-erin",
            LinkedAt = DateTimeOffset.UtcNow,
            Binding = new LinkBinding(_server.Issuer, TestAuthorizationServer.ClientId, _crm.Origin, Resource: null),
        }, CancellationToken.None);
    }

    private Task<HttpResponseMessage> CallAsync(int replica, string contact)
    {
        var agent = _cluster.Agent(replica);
        return agent.SendAsync(agent.CreateForPerson(HttpMethod.Post, "/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact(contact), _provider.Issue("erin")));
    }
}
