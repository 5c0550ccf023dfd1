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
/// Initializes of one agent arriving together just under its session limit: each is counted with the agent's sessions
/// while in progress, so the ones the limit leaves no room for are decided as making room (an idle session gives way),
/// never refused at their destination for a room their decision did not make.
/// </summary>
public sealed class McpSessionInitializeTests(GovernedGatewayFixture fixture) : IClassFixture<GovernedGatewayFixture>
{
    private const string Tenant = "initialize-tenant";
    private const string Agent = "initialize-agent";

    private static readonly McpEndpointOptions McpOptions = new() { MaxSessionsPerAgent = 3 };

    [Fact]
    public void InitializeStarting_TwoTogetherOneUnderTheLimit_TheSecondMakesRoom()
    {
        using var sessions = Sessions();
        sessions.Opened("s-1", Tenant, Agent, null);
        sessions.Opened("s-2", Tenant, Agent, null);

        using var first = sessions.InitializeStarting(Tenant, Agent, out var firstMakesRoom);
        using var second = sessions.InitializeStarting(Tenant, Agent, out var secondMakesRoom);

        Assert.False(firstMakesRoom);
        Assert.True(secondMakesRoom);
    }

    [Fact]
    public void InitializeStarting_AfterTheOneBeforeEnded_MakesNoRoomItDoesNotNeed()
    {
        using var sessions = Sessions();
        sessions.Opened("s-1", Tenant, Agent, null);
        sessions.Opened("s-2", Tenant, Agent, null);
        var ended = sessions.InitializeStarting(Tenant, Agent, out _);
        ended.Dispose();
        ended.Dispose();

        using var next = sessions.InitializeStarting(Tenant, Agent, out var makesRoom);

        Assert.False(makesRoom);
    }

    private McpSessions Sessions()
    {
        var services = fixture.Gateway.Host.Services;
        return new McpSessions(services.GetRequiredService<PolicyProvider>(), services.GetRequiredService<McpServerToolLists>(),
            services.GetRequiredService<AgentStatusService>(), services.GetRequiredService<DelegationStore>(), new InMemoryStateStore(), Options.Create(McpOptions),
            new ManualTimeProvider(DateTimeOffset.UtcNow), NullLogger<McpSessions>.Instance);
    }
}
