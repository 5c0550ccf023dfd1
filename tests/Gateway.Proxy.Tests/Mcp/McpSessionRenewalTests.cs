using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Delegations;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// The renewal of an MCP session's record while it is used (<see cref="McpSessions.IsLiveAsync"/>): it renews only the
/// record it just read, so a session ended on another replica between that read and the renewal (a <c>DELETE /mcp</c>,
/// an eviction at the agent's session limit) stays ended instead of being written back.
/// </summary>
public sealed class McpSessionRenewalTests(GovernedGatewayFixture fixture) : IClassFixture<GovernedGatewayFixture>
{
    private const string Tenant = "renewal-tenant";
    private const string Agent = "renewal-agent";

    private static readonly McpEndpointOptions McpOptions = new();

    [Fact]
    public async Task IsLiveAsync_SessionEndedBetweenReadAndRenewal_StaysEndedAndIsReportedEnded()
    {
        var store = Store();
        var (opened, time, key) = await OpenAsync(store, endsAfterNextRead: true);
        using var sessions = opened;

        time.Advance(McpOptions.IdleTimeout / 10 + TimeSpan.FromSeconds(1));
        var live = await sessions.IsLiveAsync(SessionId, Tenant, Agent, null, CancellationToken.None);

        Assert.Null(await store.GetAsync(key));
        Assert.False(live);
        Assert.Equal(0, sessions.CountFor(Tenant, Agent));
    }

    [Fact]
    public async Task IsLiveAsync_SessionUntouchedPastRenewalInterval_IsRenewedAndLive()
    {
        var store = Store();
        var (opened, time, key) = await OpenAsync(store, endsAfterNextRead: false);
        using var sessions = opened;
        var before = await store.GetAsync(key);

        time.Advance(McpOptions.IdleTimeout / 10 + TimeSpan.FromSeconds(1));
        var live = await sessions.IsLiveAsync(SessionId, Tenant, Agent, null, CancellationToken.None);

        Assert.True(live);
        Assert.Equal(before, await store.GetAsync(key));
        Assert.Equal(1, sessions.CountFor(Tenant, Agent));
    }

    private string SessionId { get; } = Guid.NewGuid().ToString("N");

    private IStateStore Store() => fixture.Gateway.Host.Services.GetRequiredService<IStateStore>();

    // A session opened here (its record stored, as the initialize handshake stores it), seen through a store that, when
    // asked, deletes the record right after its next read returns it: another replica ending the session meanwhile.
    private async Task<(McpSessions Sessions, ManualTimeProvider Time, string Key)> OpenAsync(IStateStore inner, bool endsAfterNextRead)
    {
        var key = StoreKeys.McpSession(Tenant, SessionId);
        var record = new SessionRecord(Agent, JsonSerializer.SerializeToElement(new { protocolVersion = "2025-06-18" }));
        await record.StoreAsync(inner, Tenant, SessionId, McpOptions.IdleTimeout, CancellationToken.None);
        var armed = endsAfterNextRead;
        var store = InterceptedStateStore.Wrap(inner, (method, args, proceed) =>
            armed && method.Name == nameof(IStateStore.GetAsync) && args?[0] is string read && read == key
                ? EndAfterReadAsync((ValueTask<string?>)proceed()!)
                : proceed());

        async ValueTask<string?> EndAfterReadAsync(ValueTask<string?> read)
        {
            var value = await read;
            armed = false;
            await inner.DeleteAsync(key);
            return value;
        }

        var services = fixture.Gateway.Host.Services;
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var sessions = new McpSessions(services.GetRequiredService<PolicyProvider>(), services.GetRequiredService<McpServerToolLists>(),
            services.GetRequiredService<AgentStatusService>(), services.GetRequiredService<DelegationStore>(), store, Options.Create(McpOptions), time,
            NullLogger<McpSessions>.Instance);
        sessions.Opened(SessionId, Tenant, Agent, null);
        return (sessions, time, key);
    }
}
