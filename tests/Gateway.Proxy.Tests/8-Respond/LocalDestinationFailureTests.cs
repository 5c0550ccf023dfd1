using System.Net;
using System.Reflection;
using System.Text.Json;
using Gateway.Oversight;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// A local kind's destination that fails after Record appended its entry (the gateway's own store, wrapped so that the
/// destination's write throws): the request ends in a refusal Respond records right after that entry, so the chain never
/// keeps a delegation issued or a run started that does not exist; a store outage is 503 <c>store_unavailable</c>, any
/// other exception a 500 <c>internal_error</c> answered by Respond in the caller's format, never by the host. A client that
/// goes away once the entry is durable takes nothing with it: the destination's write is not its request's to cancel.
/// </summary>
public sealed class LocalDestinationFailureTests
{
    [Fact]
    public async Task Delegate_StoreFailsToKeepTheChild_Refuses503AndRecordsTheRefusalAfterDelegationIssued()
    {
        await using var gw = await GovernedGateway.StartAsync(DelegationCalls.TwoLevels, configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) =>
                WritesFail(store, ":delegation:", () => new StateStoreUnavailableException("Injected: the store went down.")))));

        using var response = await DelegationCalls.RequestAsync(gw.Agent, DelegationCalls.ReadContactGrant);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.StoreUnavailable);
        var records = await gw.AuditRecordsAsync(RequestIdOf(response));
        Assert.Equal(["delegation_issued", "refused:" + ProblemCodes.StoreUnavailable], records.Select(r => r.GetProperty("decision").GetString()));
        Assert.Equal((int)HttpStatusCode.ServiceUnavailable, records[1].GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task StartRun_DestinationThrowsUnexpectedly_Refuses500InternalErrorAndRecordsIt()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) =>
                WritesFail(store, ":run:", () => new InvalidOperationException("Injected: a bug in the run's write.")))));

        using var response = await gw.Agent.PostJsonAsync("/v1/runs", """{"framework":"tests","purpose":"read a contact"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError, ProblemCodes.InternalError);
        Assert.Equal(RequestIdOf(response), problem.GetProperty("request_id").GetString());
        var records = await gw.AuditRecordsAsync(RequestIdOf(response));
        Assert.Equal(["run_started", "refused:" + ProblemCodes.InternalError], records.Select(r => r.GetProperty("decision").GetString()));
        Assert.Equal((int)HttpStatusCode.InternalServerError, records[1].GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Delegate_ClientGoneAfterDelegationIssuedIsRecorded_TheChildIsStored()
    {
        var held = new HeldWrite(nameof(IStateStore.SetAsync), ":delegation:");
        await using var gw = await GovernedGateway.StartAsync(DelegationCalls.TwoLevels, configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => held.Wrap(store))));
        using var gone = new CancellationTokenSource();
        var sent = gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/v1/delegations", DelegationCalls.ReadContactGrant), gone.Token);

        // delegation_issued is durable: the child's write is under way when the client goes.
        await held.Reached.WaitAsync(TimeSpan.FromSeconds(20));
        await gone.CancelAsync();
        await Xunit.Record.ExceptionAsync(() => sent);
        held.Release();

        var records = await KeptOrRefusedAsync(gw, "delegation_issued", held);
        Assert.True(held.Kept);
        Assert.Equal(["delegation_issued"], records.Select(r => r.GetProperty("decision").GetString()));
    }

    [Fact]
    public async Task RunEvent_ClientGoneAfterEndingEventIsRecorded_TheRunIsEnded()
    {
        var held = new HeldWrite(nameof(IStateStore.TrySetIfAbsentAsync), ":run-end:");
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => held.Wrap(store))));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        using var gone = new CancellationTokenSource();
        var sent = gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/v1/runs/" + run + "/events", """{"type":"completed"}"""), gone.Token);

        // The run_event that ends the run is durable: its ending is being stored when the client goes.
        await held.Reached.WaitAsync(TimeSpan.FromSeconds(20));
        await gone.CancelAsync();
        await Xunit.Record.ExceptionAsync(() => sent);
        held.Release();

        var records = await KeptOrRefusedAsync(gw, "run_event", held);
        Assert.True(held.Kept);
        Assert.Equal(["run_event"], records.Select(r => r.GetProperty("decision").GetString()));
        var state = await gw.Host.Services.GetRequiredService<RunStore>().FindAsync(DemoBundle.Tenant, run);
        Assert.Equal(RunStatuses.Completed, state?.Status);
    }

    /// <summary>
    /// The records of the one request recorded as <paramref name="entry"/>, once what that entry says holds (the held write
    /// kept) or a refusal follows it; fails when the entry stands alone over a write given up.
    /// </summary>
    private static Task<List<JsonElement>> KeptOrRefusedAsync(GovernedGateway gw, string entry, HeldWrite held) =>
        Eventually.ReturnsAsync(
            async () => await gw.AuditRecordsAsync(await RequestIdOfEntryAsync(gw, entry) ?? "none"),
            found => held.Kept || found.Any(static r => r.GetProperty("decision").GetString()!.StartsWith("refused:", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20),
            found => $"`{entry}` is recorded, yet its write was given up with the client and no refusal follows it: {string.Join('\n', found?.Select(static r => r.GetRawText()) ?? [])}");

    // The request id of the first record of tenant demo decided `entry`, or null.
    private static async Task<string?> RequestIdOfEntryAsync(GovernedGateway gw, string entry)
    {
        using var page = JsonDocument.Parse(await gw.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000"));
        return page.RootElement.GetProperty("records").EnumerateArray()
            .Where(r => r.GetProperty("decision").GetString() == entry)
            .Select(static r => r.GetProperty("request_id").GetString())
            .FirstOrDefault();
    }

    private static string RequestIdOf(HttpResponseMessage response) => Assert.Single(response.Headers.GetValues("X-Request-Id"));

    // The store, with every write of a key that contains `key` failing with `failure`'s exception.
    private static IStateStore WritesFail(IStateStore inner, string key, Func<Exception> failure) =>
        InterceptedStateStore.Wrap(inner, (method, args, call) =>
            method.Name == nameof(IStateStore.SetAsync) && args is [string written, ..] && written.Contains(key, StringComparison.Ordinal)
                ? ValueTask.FromException(failure())
                : call());

    /// <summary>
    /// The store's <c>method</c> on a key containing <c>key</c>, held once reached: a write bound to its request's
    /// cancellation is given up when that is cancelled (as a store honouring its token gives it up), any other goes on once
    /// released. <see cref="Kept"/> once the store took it.
    /// </summary>
    private sealed class HeldWrite(string method, string key)
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _kept;

        public Task Reached => _reached.Task;

        public bool Kept => _kept;

        public void Release() => _released.TrySetResult();

        public IStateStore Wrap(IStateStore inner) =>
            InterceptedStateStore.Wrap(inner, (called, args, call) =>
                called.Name == method && args is [string written, ..] && written.Contains(key, StringComparison.Ordinal)
                    ? Held(called, args[^1] is CancellationToken token ? token : default, call)
                    : call());

        private object Held(MethodInfo called, CancellationToken token, Func<object?> call) =>
            called.ReturnType == typeof(ValueTask<bool>)
                ? new ValueTask<bool>(HoldAsync(token, () => ((ValueTask<bool>)call()!).AsTask()))
                : new ValueTask(HoldAsync(token, async () => { await ((ValueTask)call()!).ConfigureAwait(false); return true; }));

        private async Task<bool> HoldAsync(CancellationToken token, Func<Task<bool>> write)
        {
            _reached.TrySetResult();
            var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (token.Register(() => cancelled.TrySetResult()))
            {
                await (token.CanBeCanceled ? cancelled.Task : _released.Task).ConfigureAwait(false);
            }

            token.ThrowIfCancellationRequested();
            var result = await write().ConfigureAwait(false);
            _kept = true;
            return result;
        }
    }
}
