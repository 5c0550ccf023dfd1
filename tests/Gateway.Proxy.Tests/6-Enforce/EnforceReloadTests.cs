using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.A2a;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.A2a.A2aRouteTests;
using static Gateway.Proxy.Tests.A2a.A2aWebhookResolutionTests;

namespace Gateway.Proxy.Tests.Enforce;

/// <summary>
/// A reload that moves a connector while a request decided on the old policy has not been forwarded yet: the request
/// goes where it was decided to go (the old upstream, with the credential bound to it), never to where the connector
/// moved; requests decided after the reload go to the new upstream. Real Kestrel upstreams (two A2A agents), a real
/// gateway; the request is held between its recorded decision and its forward by its push webhook's host lookup.
/// </summary>
public sealed class EnforceReloadTests
{
    [Fact]
    public async Task Forward_ConnectorMovedAfterTheDecision_GoesToTheUpstreamItWasDecidedFor()
    {
        await using var setup = await StartAsync();
        var moved = new A2aTestAgent();
        await using var movedUpstream = await KestrelUpstream.StartAsync(moved.Map);
        var held = SendAsync(setup.Gateway.Agent, WithPushUrl($"https://{NamedWebhookHosts.Gated}/hook"));
        await setup.WebhookHosts.GateReached.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Two reloads while it is held: the connector moved, then an unrelated change.
        await ReloadAsync(setup.Gateway, text => text.Replace($"upstream: {setup.Upstream.Origin}/a2a", $"upstream: {movedUpstream.Origin}/a2a", StringComparison.Ordinal));
        await ReloadAsync(setup.Gateway, text => text + "\n# touched\n");
        setup.WebhookHosts.GateOpen.SetResult();
        var reply = await held.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(reply.TryGetProperty("result", out _), reply.ToString());
        Assert.Single(setup.Agent.Received);
        Assert.Empty(moved.Received);

        var after = await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "after the move"));
        Assert.True(after.TryGetProperty("result", out _), after.ToString());
        Assert.Single(setup.Agent.Received);
        Assert.Single(moved.Received);
    }

    private static async Task ReloadAsync(GovernedGateway gateway, Func<string, string> change)
    {
        gateway.Bundle.Rewrite(change);
        Assert.Empty(await gateway.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());
    }
}
