using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using KestrelUpstream = Gateway.Proxy.Tests.Infrastructure.KestrelUpstream;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// A model call that used more tokens than it reserved, whose budget settle the store fails once (a Redis timeout or outage
/// just after the answer): the budget still ends counting every token the provider reported, whether the settle rides the
/// outcome's append (<c>Gateway:Admission:SettleWithOutcome</c>) or is its own call. Over a real Redis, with an upstream that
/// reports 5,000 tokens for a call that reserved a few hundred.
/// </summary>
public sealed class BudgetSettleFailureTests : IAsyncLifetime
{
    private const string Body = """{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"Say hello."}]}""";
    private const long Reported = 5000;
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(20);

    private RedisServer _redis = null!;
    private KestrelUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _upstream = await KestrelUpstream.StartAsync(static app => app.MapPost("/v1/chat/completions", static () => Results.Json(new
        {
            id = "chatcmpl-large",
            @object = "chat.completion",
            created = 1,
            model = "gpt-4o",
            choices = new[] { new { index = 0, message = new { role = "assistant", content = "Hello." }, finish_reason = "stop" } },
            usage = new { prompt_tokens = 1000, completion_tokens = Reported - 1000, total_tokens = Reported },
        })));
    }

    public async Task DisposeAsync()
    {
        await (_upstream?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_redis?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ModelCall_UsedMoreThanReservedAndTheFirstSettleFails_BudgetEndsWithTheFullUsage(bool settleWithOutcome)
    {
        var faults = new FirstSettleFails();
        await using var gw = await GovernedGateway.StartAsync(
            rewrite: text => text.Replace("upstream: http://127.0.0.1:9100/v1\n    credential: vault:openai-key", $"upstream: {_upstream.Origin}/v1\n    credential: vault:openai-key", StringComparison.Ordinal),
            configure: builder =>
            {
                builder.Configuration.AddInMemoryCollection(ReplicaCluster.StoreSettings(_redis.Endpoint));
                builder.Configuration.AddInMemoryCollection([KeyValuePair.Create<string, string?>("Gateway:Admission:SettleWithOutcome", settleWithOutcome ? "true" : "false")]);
                builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => faults.Wrap(store)));
            });

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", Body));
        await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The one settle of the call failed, wherever it went.
        var settle = await faults.Failed.Task.WaitAsync(GiveUp);
        Assert.True(settle.Reserved < Reported, $"reserved {settle.Reserved}");

        var used = await Eventually.ReturnsAsync(
            async () => (await faults.Store!.TryReserveAsync(settle.Key, 0, long.MaxValue / 2, settle.Window)).Used,
            static used => used >= Reported,
            GiveUp,
            used => $"the budget counts {used} tokens of the {Reported} the call used ({settle.Reserved} reserved)");
        Assert.Equal(Reported, used);
    }

    /// <summary>
    /// The gateway's store, with its first budget settle failing as an unavailable store fails it: a settle made alone, or
    /// the append that carries one (its group then goes to the audit backlog, without its settle).
    /// </summary>
    private sealed class FirstSettleFails
    {
        private int _failed;

        /// <summary>The settle that failed.</summary>
        public TaskCompletionSource<BudgetSettle> Failed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The store wrapped (to read the budget through).</summary>
        public IStateStore? Store { get; private set; }

        public IStateStore Wrap(IStateStore inner)
        {
            Store = inner;
            return InterceptedStateStore.Wrap(inner, (method, args, call) =>
            {
                if (method.Name == nameof(IStateStore.SettleAsync) && Interlocked.Exchange(ref _failed, 1) == 0)
                {
                    Failed.TrySetResult(new BudgetSettle((string)args![0]!, (long)args[1]!, (long)args[2]!, (TimeSpan)args[3]!, (long)args[4]!));
                    return ValueTask.FromException<long>(new StateStoreUnavailableException("Injected: the store timed out."));
                }

                if (method.Name == nameof(IStateStore.TryAppendAdmittingAsync) && args![8] is IReadOnlyList<BudgetSettle> { Count: > 0 } settles
                    && Interlocked.Exchange(ref _failed, 1) == 0)
                {
                    Failed.TrySetResult(settles[0]);
                    return ValueTask.FromException<AppendAdmission>(new StateStoreUnavailableException("Injected: the store timed out."));
                }

                return call();
            });
        }
    }
}
