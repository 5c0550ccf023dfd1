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

        await RotationAssert.RetiredThenOnlyNextAsync(_cluster.Admin(0), () => current.PostJsonAsync("/v1/evaluate", Evaluate), () => next.PostJsonAsync("/v1/evaluate", Evaluate));
    }
}
