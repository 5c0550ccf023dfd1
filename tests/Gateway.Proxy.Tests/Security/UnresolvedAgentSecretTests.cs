using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Security;

/// <summary>
/// An agent whose runtime secret reference resolves to nothing (a <c>vault:</c> entry never stored, an
/// unset <c>env:</c> variable) does not stop the gateway: it starts, logs the condition, refuses only
/// that agent (401, as an unknown agent: nothing tells a caller the agent exists) and serves the others.
/// </summary>
public sealed class UnresolvedAgentSecretTests
{
    [Theory]
    [InlineData("vault:rogue-agent-never-stored")]
    [InlineData("env:ROGUE_AGENT_SECRET_NEVER_SET")]
    public async Task Startup_AgentSecretReferenceThatResolvesToNothing_StartsAndRefusesOnlyThatAgent(string reference)
    {
        var logs = new FakeLogCollector();
        await using var gw = await GovernedGateway.StartAsync(
            text =>
            {
                Assert.Contains("secret: file:secrets/rogue-agent.secret", text, StringComparison.Ordinal);
                return text.Replace("secret: file:secrets/rogue-agent.secret", "secret: " + reference, StringComparison.Ordinal);
            },
            builder => builder.Logging.AddProvider(new FakeLoggerProvider(logs)));
        var before = gw.Upstream.Received.Count;

        using var refused = await gw.Rogue.SendAsync(gw.Rogue.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/c-1"));
        using var served = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/c-2"));

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "unknown_agent");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Single(gw.Upstream.Received.Skip(before));
        Assert.Contains(logs.GetSnapshot(), r => r.Level >= LogLevel.Warning
            && r.Message.Contains("rogue-agent", StringComparison.Ordinal) && r.Message.Contains(reference, StringComparison.Ordinal));
    }
}
