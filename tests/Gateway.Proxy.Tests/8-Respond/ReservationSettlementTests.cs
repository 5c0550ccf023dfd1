using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// A provider call's token reservation is settled with its outcome, never in a store round trip after it. Observed on a
/// gateway over a real Redis, whose audit appends go through the state store: by default the settle rides the outcome's
/// append (<c>Gateway:Admission:SettleWithOutcome</c>: one store call carries both, none is made for the settle alone);
/// turned off, the settle is its own call, made while the outcome is recorded: once the request's decision is appended,
/// its next append (the outcome) is held until the settle has been made, and a Respond that settled only after recording
/// the outcome would leave that append held until the gate gives up.
/// </summary>
public sealed partial class ReservationSettlementTests : IAsyncLifetime
{
    private const string Body = """{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"Say hello."}]}""";
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(10);

    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await (_redis?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Theory]
    [InlineData("/providers/openai/chat/completions", Body)]
    [InlineData("/v1/actions/model", $$"""{"connector":"openai","request":{{Body}}}""")]
    public async Task ModelCall_UnderABudget_SettlesInItsOutcomesStoreCall(string path, string body)
    {
        var calls = new SettleCalls();
        await using var gw = await StartAsync(settleWithOutcome: true, (_, store) => calls.Wrap(store));
        using var warm = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, path, body));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        await calls.Carried.Task.WaitAsync(GiveUp);

        calls.Arm();
        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, path, body));
        await response.Content.ReadAsStringAsync();
        var (settles, _) = await calls.Carried.Task.WaitAsync(GiveUp);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var settle = Assert.Single(settles);
        Assert.Equal(12, settle.Actual);
        Assert.True(settle.Reserved > settle.Actual, $"reserved {settle.Reserved}");
        Assert.Equal(0, calls.Apart);
    }

    [Fact]
    public async Task ModelCall_NextCallOnTheConnection_ItsOutcomeAndSettleRideTheNextDecisionsStoreCall()
    {
        var calls = new SettleCalls();
        await using var gw = await StartAsync(settleWithOutcome: true, (_, store) => calls.Wrap(store), linger: "00:00:00.1");
        using var warm = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", Body));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        await calls.Carried.Task.WaitAsync(GiveUp);

        // An answered call's outcome lingers for its chain's next group: a later call's decision, on the same connection.
        // The outcome is queued just after its answer, so the very next decision may come before it (or, on a stalled
        // machine, after its linger ended and it went alone): calls go on until a decision has carried one.
        calls.Arm(ridingADecision: true);
        var rode = calls.Carried.Task;
        for (var call = 0; call < 20 && !rode.IsCompleted; call++)
        {
            using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", Body));
            await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var (settles, admissions) = await rode.WaitAsync(GiveUp);
        Assert.NotEmpty(settles);
        Assert.All(settles, settle => Assert.Equal(12, settle.Actual));
        Assert.Equal(1, admissions);
        Assert.Equal(0, calls.Apart);
    }

    [Fact]
    public async Task StreamedCall_CutBeforeItsEnd_SettlesAllItReservedNotTheUsageReportedAtItsStart()
    {
        var calls = new SettleCalls();
        await using var gw = await StartAsync(settleWithOutcome: true, (_, store) => calls.Wrap(store));
        using var warm = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", Body));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        await calls.Carried.Task.WaitAsync(GiveUp);

        calls.Arm();
        var cut = $$"""{"model":"gpt-4o","stream":true,"max_tokens":100,"messages":[{"role":"user","content":"Say hello, {{TestUpstream.CutShort}}."}]}""";
        using (var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", cut), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line && !line.Contains("Hello", StringComparison.Ordinal))
            {
            }
        }

        // The agent went away after the first piece: the usage seen (6 tokens) is not what the call used. Its settle rides
        // the outcome's append or, the answer cut, is made alone.
        var carried = calls.Carried.Task.ContinueWith(t => Assert.Single(t.Result.Settles), TaskScheduler.Default);
        var settle = await (await Task.WhenAny(carried, calls.Alone.Task).WaitAsync(GiveUp));
        Assert.True(settle.Reserved > 100, $"reserved {settle.Reserved}");
        Assert.Equal(settle.Reserved, settle.Actual);
    }

    [Theory]
    [InlineData("/providers/openai/chat/completions", $$"""{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"{{TestUpstream.HoldUntilGone}}"}]}""")]
    [InlineData("/v1/actions/model", $$$"""{"connector":"openai","request":{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"{{{TestUpstream.HoldUntilGone}}}"}]}}""")]
    public async Task ModelCall_AgentGoneBeforeTheAnswer_SettlesAllItReservedNotNothing(string path, string body)
    {
        var calls = new SettleCalls();
        await using var gw = await StartAsync(settleWithOutcome: true, (_, store) => calls.Wrap(store));
        using var warm = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, path, path.StartsWith("/v1", StringComparison.Ordinal) ? $$"""{"connector":"openai","request":{{Body}}}""" : Body));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        await calls.Carried.Task.WaitAsync(GiveUp);

        // The call goes out and the provider takes it up; the agent goes away before any answer: the provider may bill it.
        calls.Arm();
        var before = gw.Upstream.To("/v1/chat/completions").Count;
        using var leave = new CancellationTokenSource();
        var sending = gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, path, body), leave.Token);
        await Eventually.HoldsAsync(() => gw.Upstream.To("/v1/chat/completions").Count > before, GiveUp, "the call never reached the provider");

        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);

        var carried = calls.Carried.Task.ContinueWith(t => Assert.Single(t.Result.Settles), TaskScheduler.Default);
        var settle = await (await Task.WhenAny(carried, calls.Alone.Task).WaitAsync(GiveUp));
        Assert.True(settle.Reserved > 100, $"reserved {settle.Reserved}");
        Assert.Equal(settle.Reserved, settle.Actual);
    }

    [Fact]
    public async Task ModelAction_StreamEndingBeforeItsTerminalEvent_SettlesAllItReservedNotTheUsageReportedAtItsStart()
    {
        var calls = new SettleCalls();
        await using var gw = await StartAsync(settleWithOutcome: true, (_, store) => calls.Wrap(store));
        using var warm = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/v1/actions/model", $$"""{"connector":"openai","request":{{Body}}}"""));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        await calls.Carried.Task.WaitAsync(GiveUp);

        calls.Arm();
        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/v1/actions/model",
            $$$"""{"connector":"openai","request":{"model":"gpt-4o","stream":true,"max_tokens":100,"messages":[{"role":"user","content":"{{{TestUpstream.EndsEarly}}}"}]}}"""));
        await response.Content.ReadAsStringAsync();

        // The stream reported 6 tokens at its start and closed without [DONE]: its final use was never reported.
        var settle = Assert.Single((await calls.Carried.Task.WaitAsync(GiveUp)).Settles);
        Assert.True(settle.Reserved > 100, $"reserved {settle.Reserved}");
        Assert.Equal(settle.Reserved, settle.Actual);
    }

    [Fact]
    public async Task ProviderCall_SettleWithOutcomeOff_SettlesItsReservationWhileItsOutcomeIsRecorded()
    {
        var gate = new AppendGate();
        await using var gw = await StartAsync(settleWithOutcome: false, (_, store) => GatedStateStore.Wrap(store, gate));
        using var warm = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", Body));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);

        gate.Arm();
        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions", Body));
        await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The outcome's append (made after the answer, once its linger has passed) waited for the settle, which came.
        await gate.Passed.Task.WaitAsync(GiveUp + GiveUp);
        Assert.True(gate.Held > 0, "no append was held after the decision's");
        Assert.Equal(0, gate.GaveUp);
    }

    private Task<GovernedGateway> StartAsync(bool settleWithOutcome, Func<IServiceProvider, IStateStore, IStateStore> wrap, string? linger = null) =>
        GovernedGateway.StartAsync(configure: builder =>
        {
            builder.Configuration.AddInMemoryCollection(ReplicaCluster.StoreSettings(_redis.Endpoint));
            builder.Configuration.AddInMemoryCollection([KeyValuePair.Create<string, string?>("Gateway:Admission:SettleWithOutcome", settleWithOutcome ? "true" : "false")]);
            if (linger is not null)
            {
                builder.Configuration.AddInMemoryCollection([KeyValuePair.Create<string, string?>("Gateway:Audit:OutcomeLinger", linger)]);
            }

            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory(wrap));
        });

    /// <summary>
    /// The settles the state store is asked for: those an append carries (the first such append's, and after
    /// <see cref="Arm"/> the next one's, on <see cref="Carried"/>) and, after <see cref="Arm"/>, those made alone.
    /// </summary>
    public sealed class SettleCalls
    {
        private int _armed;
        private int _apart;
        private volatile bool _ridingADecision;

        /// <summary>The settles the append carried and how many admissions rode with them.</summary>
        public TaskCompletionSource<(IReadOnlyList<BudgetSettle> Settles, int Admissions)> Carried { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Apart => Volatile.Read(ref _apart);

        /// <summary>The first settle made alone after <see cref="Arm"/>.</summary>
        public TaskCompletionSource<BudgetSettle> Alone { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>From now on: settles made alone are counted, and <see cref="Carried"/> waits for the next append that
        /// carries settles (with <paramref name="ridingADecision"/>, the next that also carries an admission).</summary>
        public void Arm(bool ridingADecision = false)
        {
            Carried = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Alone = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _ridingADecision = ridingADecision;
            Volatile.Write(ref _armed, 1);
        }

        public IStateStore Wrap(IStateStore inner) => InterceptedStateStore.Wrap(inner, (method, args, call) =>
        {
            if (method.Name == nameof(IStateStore.SettleAsync) && Volatile.Read(ref _armed) == 1)
            {
                Interlocked.Increment(ref _apart);
                Alone.TrySetResult(new BudgetSettle((string)args![0]!, (long)args[1]!, (long)args[2]!, (TimeSpan)args[3]!, (long)args[4]!));
            }

            return method.Name == nameof(IStateStore.TryAppendAdmittingAsync) && args![8] is IReadOnlyList<BudgetSettle> { Count: > 0 } settles
                ? new ValueTask<AppendAdmission>(NoteAsync(settles, ((IReadOnlyList<AdmissionRequest>)args[7]!).Count, (ValueTask<AppendAdmission>)call()!))
                : call();
        });

        private async Task<AppendAdmission> NoteAsync(IReadOnlyList<BudgetSettle> settles, int admissions, ValueTask<AppendAdmission> appending)
        {
            var appended = await appending.ConfigureAwait(false);
            if (admissions > 0 || !_ridingADecision)
            {
                Carried.TrySetResult(([.. settles], admissions));
            }

            return appended;
        }
    }

    /// <summary>
    /// After <see cref="Arm"/>: the first append that admits passes (the decision, which carries its admission) and names the
    /// audit log; later appends to that log that admit nothing (the outcome) wait for a settle, or give up. Appends before
    /// that decision (an earlier request's outcome, its linger ended after the arming) and to any other log pass.
    /// </summary>
    public sealed class AppendGate
    {
        private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;
        private string? _decisionLog;
        private int _held;
        private int _gaveUp;

        public int Held => Volatile.Read(ref _held);

        /// <summary>Completes once a held append has gone on (settled, or given up).</summary>
        public TaskCompletionSource Passed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int GaveUp => Volatile.Read(ref _gaveUp);

        public void Arm() => Volatile.Write(ref _armed, 1);

        public void Settling()
        {
            if (Volatile.Read(ref _armed) == 1)
            {
                _settled.TrySetResult();
            }
        }

        public async Task BeforeAppendAsync(string log, bool admits)
        {
            if (Volatile.Read(ref _armed) == 0)
            {
                return;
            }

            if (admits)
            {
                Interlocked.CompareExchange(ref _decisionLog, log, null);
                return;
            }

            if (Volatile.Read(ref _decisionLog) != log)
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

            Passed.TrySetResult();
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

            // The decision's append carries its admission where the journal is on this store (TryAppendAdmittingAsync, its
            // admissions the eighth argument); one that carries settles alone admits nothing.
            return method.Name switch
            {
                nameof(IStateStore.TryAppendAsync) => new ValueTask<bool>(AppendAsync<bool>(gate, args, call, admits: false)),
                nameof(IStateStore.TryAppendAdmittingAsync) => new ValueTask<AppendAdmission>(
                    AppendAsync<AppendAdmission>(gate, args, call, admits: args![7] is IReadOnlyList<AdmissionRequest> { Count: > 0 })),
                _ => call(),
            };
        });

        private static async Task<T> AppendAsync<T>(AppendGate gate, object?[]? args, Func<object?> call, bool admits)
        {
            await gate.BeforeAppendAsync((string)args![0]!, admits).ConfigureAwait(false);
            return await (ValueTask<T>)call()!;
        }
    }
}
