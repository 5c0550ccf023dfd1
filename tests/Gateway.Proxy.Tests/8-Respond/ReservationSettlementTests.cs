using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// A provider call's token reservation is settled while its outcome is recorded, not after it: the provider's answer
/// ends when Respond is done, so two store calls in turn would add a store round trip to every model call. Observed on
/// a gateway over a real Redis, whose audit appends go through the state store: once the request's decision is
/// appended, its next append (the outcome) is held until the budget's settle has been made. A Respond that settled only
/// after recording the outcome would leave that append held until the gate gives up.
/// </summary>
public sealed class ReservationSettlementTests : IAsyncLifetime
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(10);

    private readonly AppendGate _gate = new();
    private RedisServer _redis = null!;
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _gw = await GovernedGateway.StartAsync(configure: builder =>
        {
            builder.Configuration.AddInMemoryCollection(ReplicaCluster.StoreSettings(_redis.Endpoint));
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => GatedStateStore.Wrap(store, _gate)));
        });
    }

    public async Task DisposeAsync()
    {
        await (_gw?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_redis?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task ProviderCall_UnderABudget_SettlesItsReservationWhileItsOutcomeIsRecorded()
    {
        const string Body = """{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"Say hello."}]}""";
        using var warm = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", Body));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);

        _gate.Arm();
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", Body));
        await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(_gate.Held > 0, "no append was held after the decision's");
        Assert.Equal(0, _gate.GaveUp);
    }

    /// <summary>
    /// After <see cref="Arm"/>: the first append passes (the decision) and names the audit log; later appends to that log
    /// (the outcome) wait for a settle, or give up. Appends to any other log pass.
    /// </summary>
    public sealed class AppendGate
    {
        private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;
        private string? _decisionLog;
        private int _held;
        private int _gaveUp;

        public int Held => Volatile.Read(ref _held);

        public int GaveUp => Volatile.Read(ref _gaveUp);

        public void Arm() => Volatile.Write(ref _armed, 1);

        public void Settling()
        {
            if (Volatile.Read(ref _armed) == 1)
            {
                _settled.TrySetResult();
            }
        }

        public async Task BeforeAppendAsync(string log)
        {
            if (Volatile.Read(ref _armed) == 0 || Interlocked.CompareExchange(ref _decisionLog, log, null) is null || _decisionLog != log)
            {
                return;
            }

            Interlocked.Increment(ref _held);
            try
            {
                await _settled.Task.WaitAsync(GiveUp);
            }
            catch (TimeoutException)
            {
                Interlocked.Increment(ref _gaveUp);
            }
        }
    }

    /// <summary>The gateway's own state store, its audit appends passed through <see cref="AppendGate"/> and its settles noted there first.</summary>
    public static class GatedStateStore
    {
        public static IStateStore Wrap(IStateStore inner, AppendGate gate) => InterceptedStateStore.Wrap(inner, (method, args, call) =>
        {
            if (method.Name == nameof(IStateStore.SettleAsync))
            {
                gate.Settling();
            }

            // The decision's append carries its admission where the journal is on this store (TryAppendAdmittingAsync).
            return method.Name switch
            {
                nameof(IStateStore.TryAppendAsync) => new ValueTask<bool>(AppendAsync<bool>(gate, args, call)),
                nameof(IStateStore.TryAppendAdmittingAsync) => new ValueTask<AppendAdmission>(AppendAsync<AppendAdmission>(gate, args, call)),
                _ => call(),
            };
        });

        private static async Task<T> AppendAsync<T>(AppendGate gate, object?[]? args, Func<object?> call)
        {
            await gate.BeforeAppendAsync((string)args![0]!).ConfigureAwait(false);
            return await (ValueTask<T>)call()!;
        }
    }
}
