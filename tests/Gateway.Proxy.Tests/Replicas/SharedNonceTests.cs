using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// Two gateway replicas on one Redis: a nonce accepted by one is spent for both, checked atomically
/// in the shared store, so a captured request cannot be replayed against the other replica — not
/// afterwards and not at the same instant.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class SharedNonceTests : IAsyncLifetime
{
    private const string EvaluateBody = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ReplicaCluster.StartAsync(replicas: 2);

    public async Task DisposeAsync() => await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Fact]
    public async Task Evaluate_ReplayedOnOtherReplica_IsRefusedAsReplayedNonce()
    {
        var agent = _cluster.Agent(0);
        using var original = agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody);
        using var replay = await AgentClient.CloneAsync(original);
        replay.RequestUri = new Uri(_cluster[1].BaseAddress, original.RequestUri!.PathAndQuery);

        using var first = await _cluster[0].Client.SendAsync(original);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var second = await _cluster[1].Client.SendAsync(replay);

        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.Unauthorized, "replayed_nonce");
    }

    [Fact]
    public async Task Evaluate_SameRequestFiredAtBothReplicasAtOnce_ExactlyOneAccepted()
    {
        const int copies = 16;
        const int rounds = 5;
        var agent = _cluster.Agent(0);
        for (var round = 0; round < rounds; round++)
        {
            using var original = agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody);
            var requests = new List<(HttpClient Client, HttpRequestMessage Request)>(copies);
            for (var i = 0; i < copies; i++)
            {
                var target = _cluster[i % 2];
                var clone = await AgentClient.CloneAsync(original);
                clone.RequestUri = new Uri(target.BaseAddress, original.RequestUri!.PathAndQuery);
                requests.Add((target.Client, clone));
            }

            // Released together; nothing blocks a thread-pool thread (the gateways run in this process).
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sends = requests.Select(pair => Task.Run(async () =>
            {
                await gate.Task;
                return await pair.Client.SendAsync(pair.Request);
            })).ToArray();
            gate.SetResult();
            var responses = await Task.WhenAll(sends);
            try
            {
                var summary = $"round {round}: " + string.Join(", ", responses.Select(r => (int)r.StatusCode));
                Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.OK) == 1, summary);
                foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
                {
                    await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "replayed_nonce");
                }
            }
            finally
            {
                foreach (var response in responses)
                {
                    response.Dispose();
                }

                foreach (var (_, request) in requests)
                {
                    request.Dispose();
                }
            }
        }
    }
}
