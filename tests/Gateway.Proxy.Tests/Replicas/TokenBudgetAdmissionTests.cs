using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A model call's token-budget reservation rides its admission on the shared Redis: a call the policy
/// then blocks gives its reservation back whole, and a store that fails at admission ends the call in
/// 503 <c>store_unavailable</c> with nothing forwarded to the provider.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class TokenBudgetAdmissionTests : IAsyncLifetime
{
    private const int Budget = 2000;
    private const string AgentPath = "/admin/v1/tenants/demo/agents/demo-agent";
    private const string ModelCall =
        """{"connector":"openai","request":{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"Say hello."}]}}""";

    private static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private OpenAIUpstream _openai = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _openai = await OpenAIUpstream.StartAsync(promptTokens: 40, completionTokens: 100);
        _cluster = await ReplicaUpstreams.StartWithOpenAIBudgetAsync(replicas: 1, _openai, Budget);
    }

    public async Task DisposeAsync()
    {
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_openai?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task ModelAction_BlockedBySuspension_GivesTheReservationBackWhole()
    {
        await ReplicaCluster.WaitUntilReadyAsync(_cluster[0], 0);
        var admin = _cluster.Admin(0);
        using (var suspend = await admin.PostAsync(AgentPath + "/suspend", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        }

        try
        {
            using var blocked = await _cluster.Agent(0).PostJsonAsync("/v1/actions/model", ModelCall);
            await ProblemAssert.IsProblemAsync(blocked, HttpStatusCode.Forbidden, "blocked");
        }
        finally
        {
            using var resume = await admin.PostAsync(AgentPath + "/resume", content: null);
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        }

        // The release is the blocked request's last step, which may end just after its answer arrives.
        var store = _cluster[0].Services.GetRequiredService<IStateStore>();
        var key = StoreKeys.Budget("demo", "demo-agent:openai");
        BudgetOutcome whole = default;
        await Eventually.HoldsAsync(async () => (whole = await store.TryReserveAsync(key, Budget, Budget, Window)).Reserved,
            TimeSpan.FromSeconds(5), () => $"the budget still holds {whole.Used} of {Budget} tokens after a blocked call");
        await store.SettleAsync(key, Budget, 0, Window, whole.Slot);
        Assert.Empty(_openai.Server.Received);
    }

    [Fact]
    public async Task ModelAction_RedisKilledAtAdmission_RefusedWith503AndNothingForwarded()
    {
        await ReplicaCluster.WaitUntilReadyAsync(_cluster[0], 0);
        using (var warm = await _cluster.Agent(0).PostJsonAsync("/v1/actions/model", ModelCall))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var forwarded = _openai.Server.Received.Count;
        await _cluster.Redis.KillAsync();
        try
        {
            using var refused = await _cluster.Agent(0).PostJsonAsync("/v1/actions/model", ModelCall);

            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "store_unavailable");
            Assert.Equal(forwarded, _openai.Server.Received.Count);
        }
        finally
        {
            await _cluster.Redis.StartAsync();
        }
    }
}
