using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.People.Links;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A person's linked upstream account (<c>credential: per_person</c>) on two replicas behind one real redis-server: a
/// revocation on one replica refuses the next call on the other; a token about to expire is refreshed exactly once at the
/// authorization server under 50 concurrent calls spread over both replicas; Redis holds the link only as ciphertext.
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
        await Gateway.Testing.Eventually.HoldsAsync(() => Task.FromResult(_server.Refreshes >= 1), TimeSpan.FromSeconds(30), "no refresh arrived");
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
        }, CancellationToken.None);
    }

    private Task<HttpResponseMessage> CallAsync(int replica, string contact)
    {
        var agent = _cluster.Agent(replica);
        return agent.SendAsync(agent.CreateForPerson(HttpMethod.Post, "/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact(contact), _provider.Issue("erin")));
    }
}
