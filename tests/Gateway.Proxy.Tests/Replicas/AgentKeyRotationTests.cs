using System.Net;
using Gateway.Proxy.Tests.Authenticate;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// An agent signing with public keys across two replicas sharing one real Redis: a nonce used on one replica is a replay
/// on the other (the same atomic nonce store as v1), and retiring the current key through one replica refuses it on the
/// other's very next request while the next key goes on working there.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class AgentKeyRotationTests : IAsyncLifetime
{
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ReplicaCluster.StartAsync(replicas: 2, rewrite: text => MessageSignatureTests.WithKey(
            VectorKeyPair.Ed25519, "next_public_key: " + VectorKeyPair.P256.BundleEntry)(ReplicaUpstreams.WithoutCrmCredential(text)));

    public async Task DisposeAsync() => await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Fact]
    public async Task Evaluate_SignedRequestReplayedOnTheOtherReplica_IsRefused()
    {
        var first = new MessageSigningClient(_cluster[0].Client, VectorKeyPair.Ed25519);
        using var request = first.Create(HttpMethod.Post, "/v1/evaluate", Evaluate);
        using var replay = await AgentClient.CloneAsync(request);
        // As behind one load balancer: the other replica's socket, the same Host (so the same @target-uri).
        replay.RequestUri = new Uri(_cluster[1].BaseAddress, "/v1/evaluate");
        replay.Headers.Host = _cluster[0].BaseAddress.Authority;

        using var accepted = await first.SendAsync(request);
        using var refused = await _cluster[1].Client.SendAsync(replay);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "replayed_nonce");
    }

    [Fact]
    public async Task RetireSecret_ThroughReplicaA_RefusesTheCurrentKeyOnReplicaBAndKeepsTheNext()
    {
        var current = new MessageSigningClient(_cluster[1].Client, VectorKeyPair.Ed25519);
        var next = new MessageSigningClient(_cluster[1].Client, VectorKeyPair.P256);

        await RotationAssert.RetiredThenOnlyNextAsync(_cluster.Admin(0), () => current.PostJsonAsync("/v1/evaluate", Evaluate), () => next.PostJsonAsync("/v1/evaluate", Evaluate));
    }
}
