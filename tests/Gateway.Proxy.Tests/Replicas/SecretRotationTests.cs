using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// Retiring an agent's current secret through one replica's admin API refuses it on the other replica's very next
/// request, while the next secret goes on working there: the retirement lives in the shared store.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class SecretRotationTests : IAsyncLifetime
{
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private readonly SecretRotation _rotation = new();
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ReplicaCluster.StartAsync(replicas: 2, rewrite: text => _rotation.Rewrite()(ReplicaUpstreams.WithoutCrmCredential(text)));

    public async Task DisposeAsync()
    {
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        _rotation.Dispose();
    }

    [Fact]
    public async Task RetireSecret_ThroughReplicaA_RefusesCurrentSecretOnReplicaBAndKeepsTheNext()
    {
        var current = _cluster.Agent(1);
        var next = new AgentClient(_cluster[1].Client, _rotation.NextSecret);
        using (var before = await current.PostJsonAsync("/v1/evaluate", Evaluate))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using (var retire = await _cluster.Admin(0).PostAsync("/admin/v1/tenants/demo/agents/demo-agent/retire-secret", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, retire.StatusCode);
        }

        using var refused = await current.PostJsonAsync("/v1/evaluate", Evaluate);
        using var accepted = await next.PostJsonAsync("/v1/evaluate", Evaluate);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "secret_retired");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }
}
