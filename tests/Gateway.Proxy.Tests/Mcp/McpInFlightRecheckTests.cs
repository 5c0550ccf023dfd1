using Gateway.Connectors.Mcp;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Delegations;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// The recheck of the calls in flight (<see cref="McpSessions.RecheckAsync"/>) through a store that cannot read the kill
/// switches of the callers a test names: each caller keeps its calls through the recheck its own reading first fails at,
/// whatever other callers failed before it, and loses them once it is still unreadable an interval or more later.
/// </summary>
public sealed class McpInFlightRecheckTests(GovernedGatewayFixture fixture) : IClassFixture<GovernedGatewayFixture>
{
    private const string Tenant = "recheck-tenant";

    private static readonly McpEndpointOptions McpOptions = new() { InFlightRecheckInterval = TimeSpan.FromSeconds(1) };

    private readonly HashSet<string> _unreadable = new(StringComparer.Ordinal);
    private readonly HeldTimeProvider _time = new();

    [Fact]
    public async Task Recheck_DifferentCallerUnreadableAtEachRecheck_KeepsEachCallThroughItsFirstFailure()
    {
        using var sessions = Sessions();
        var a = Track(sessions, "recheck-agent-a");
        var b = Track(sessions, "recheck-agent-b");

        await RecheckAsync(sessions, "recheck-agent-a");
        await RecheckAsync(sessions, "recheck-agent-b");

        Assert.False(a.Lifetime.IsCancellationRequested);
        Assert.False(b.Lifetime.IsCancellationRequested);

        await RecheckAsync(sessions, "recheck-agent-b");

        Assert.True(b.Lifetime.IsCancellationRequested);
        Assert.Equal(McpCallCancellation.ByGateway, b.Cancellation.Reason);
        Assert.False(a.Lifetime.IsCancellationRequested);
    }

    [Fact]
    public async Task Recheck_CallerReadAgainBetweenTwoFailures_KeepsItsCallThroughTheSecond()
    {
        using var sessions = Sessions();
        var a = Track(sessions, "recheck-agent-a");

        await RecheckAsync(sessions, "recheck-agent-a");
        await RecheckAsync(sessions);
        await RecheckAsync(sessions, "recheck-agent-a");

        Assert.False(a.Lifetime.IsCancellationRequested);

        await RecheckAsync(sessions, "recheck-agent-a");

        Assert.True(a.Lifetime.IsCancellationRequested);
    }

    // One recheck an interval after the last, the switches of the agents named unreadable.
    private async Task RecheckAsync(McpSessions sessions, params string[] unreadable)
    {
        _unreadable.Clear();
        _unreadable.UnionWith(unreadable);
        _time.Advance(McpOptions.InFlightRecheckInterval);
        await sessions.RecheckAsync();
    }

    private static McpCallEnding Track(McpSessions sessions, string agent)
    {
        var ending = new McpCallEnding(new CancellationTokenSource(), new CancellationTokenSource(), new McpCallCancellation());
        Assert.True(sessions.TrackCall(new McpCallOwner(Tenant, agent, agent), "1", new DefaultHttpContext(), ending));
        return ending;
    }

    // The recheck's timer never fires on its own here: the test runs each recheck.
    private McpSessions Sessions()
    {
        var services = fixture.Gateway.Host.Services;
        var store = InterceptedStateStore.Wrap(services.GetRequiredService<IStateStore>(), (method, args, proceed) =>
            method.Name == nameof(IStateStore.GetManyAsync) && args?[0] is IReadOnlyList<string> keys && _unreadable.Any(agent => IsSwitchesOf(keys, agent))
                ? ValueTask.FromException<IReadOnlyList<string?>>(new StateStoreUnavailableException("The store is down for this caller."))
                : proceed());
        return new McpSessions(services.GetRequiredService<PolicyProvider>(), services.GetRequiredService<McpServerToolLists>(),
            services.GetRequiredService<AgentStatusService>(), services.GetRequiredService<DelegationStore>(), store, Options.Create(McpOptions), _time,
            NullLogger<McpSessions>.Instance);
    }

    private static bool IsSwitchesOf(IReadOnlyList<string> keys, string agent) =>
        keys.SequenceEqual(AgentStatusService.CallerSwitchKeys(new KillSwitchCaller(Tenant, agent, null)), StringComparer.Ordinal);

    /// <summary>A clock moved only by the test, whose timers never fire.</summary>
    private sealed class HeldTimeProvider : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new HeldTimer();

        public void Advance(TimeSpan by) => _now += by;
    }

    /// <summary>A timer that never fires.</summary>
    private sealed class HeldTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
