using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Hosting;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A person's token exchanged on one replica is used by the other: two replicas behind one real redis-server, a
/// connector that acts for the person by token exchange at a real (Kestrel) OpenID provider, and the provider's
/// token endpoint counted. What Redis holds is the token encrypted under the vault's data key, under a key that names
/// neither the person nor either token. A replica that reads another's copy of the provider's keys counts their age from
/// that replica's fetch: a key withdrawn since is refused within KeysRefresh of the fetch.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class PersonTokenAcrossReplicasTests : IAsyncLifetime
{
    private const string ContactsBinding = "    http: { method: GET, path: \"/contacts/{id}\", args: query }";
    private const string Exchanged = "person-scoped-crm-token-shared-7c1d9e";
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private static readonly TimeSpan KeysRefresh = TimeSpan.FromMinutes(1);
    private readonly MovableClock _clock = new();
    private KestrelUpstream _crm = null!;
    private TestOpenIdProvider _provider = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _crm = await ReplicaUpstreams.StartCrmAsync();
        _provider = await TestOpenIdProvider.StartAsync();
        _provider.TokenAnswer = (200, JsonSerializer.Serialize(new { access_token = Exchanged, token_type = "Bearer", expires_in = 600 }));
        _cluster = await ReplicaCluster.StartAsync(
            replicas: 2,
            new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = _crm.Origin },
            text => ReplicaUpstreams.WithoutCrmCredential(text)
                .Replace("workspaces: [ws-demo]\n", "workspaces: [ws-demo]\n" + _provider.BundleSection(), StringComparison.Ordinal)
                .Replace(ContactsBinding, "    person: { credential: token_exchange, audience: crm-api }\n" + ContactsBinding, StringComparison.Ordinal),
            configure: (_, builder) =>
            {
                builder.Configuration["Gateway:Person:KeysRefresh"] = KeysRefresh.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
                builder.Services.AddSingleton<TimeProvider>(_clock);
            });
        using var admin = _cluster.Admin(0);
        using var put = await admin.PutAsync("/admin/v1/tenants/demo/credentials/oidc-client",
            new StringContent(JsonSerializer.Serialize(new { value = TestOpenIdProvider.ClientSecret }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_provider?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_crm?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task InvokeTool_SamePersonOnTwoReplicas_ExchangesOnceAndRedisHoldsOnlyCiphertext()
    {
        var person = _provider.Issue("erin@example.com");

        for (var i = 0; i < 4; i++)
        {
            var agent = _cluster.Agent(i % 2);
            using var response = await agent.SendAsync(agent.CreateForPerson(HttpMethod.Post, "/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("c-" + i), person));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        }

        // Four calls on two replicas, one exchange: the second replica read the token the first exchanged; and one
        // fetch of the provider's key set, shared the same way.
        Assert.Single(_provider.TokenRequests);
        Assert.Equal(1, _provider.KeyFetches);
        var crm = _crm.Received.Where(r => r.Target.StartsWith("/crm/contacts/", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, crm.Count);
        Assert.All(crm, r => Assert.Equal("Bearer " + Exchanged, r.Headers["Authorization"]));

        var keys = (await RedisCli.RunAsync(_cluster.Redis.Port, "KEYS", StoreRedisDistributedCache.InstanceName + "gw:person-token:*"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var key = Assert.Single(keys);
        Assert.Matches("^" + StoreRedisDistributedCache.InstanceName + "gw:person-token:v1:[0-9a-f]{64}$", key);
        Assert.DoesNotContain("erin", key, StringComparison.Ordinal);
        var stored = await RedisCli.RunAsync(_cluster.Redis.Port, "HGETALL", key);
        Assert.Contains("gwenc:v1:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(Exchanged, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(person, stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_KeyWithdrawnAfterAnotherReplicasFetch_IsRefusedWithinKeysRefreshOfThatFetch()
    {
        var person = _provider.Issue("erin@example.com", lifetime: TimeSpan.FromMinutes(30));
        var withdrawn = _provider.SigningKey;
        using (var fetched = await EvaluateAsync(0, person))
        {
            Assert.True(fetched.StatusCode == HttpStatusCode.OK, await fetched.Content.ReadAsStringAsync());
        }

        // The provider withdraws the key; replica 1 reads replica 0's shared copy (still fresh) shortly before it is due.
        _provider.Rotate();
        _provider.Withdraw(withdrawn);
        _clock.Offset = KeysRefresh - TimeSpan.FromSeconds(10);
        using (var shared = await EvaluateAsync(1, person))
        {
            Assert.True(shared.StatusCode == HttpStatusCode.OK, await shared.Content.ReadAsStringAsync());
        }

        Assert.Equal(1, _provider.KeyFetches);
        _clock.Offset = KeysRefresh;
        using var refused = await EvaluateAsync(1, person);

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "person_token_invalid");
    }

    private Task<HttpResponseMessage> EvaluateAsync(int replica, string person)
    {
        var agent = new AgentClient(_cluster[replica].Client, _cluster.Bundle.AgentSecret, time: _clock);
        return agent.SendAsync(agent.CreateForPerson(HttpMethod.Post, "/v1/evaluate", Evaluate, person));
    }
}
