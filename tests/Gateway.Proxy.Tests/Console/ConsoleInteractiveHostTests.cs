using Gateway.Authorization.Interactive;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Interactive;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// The agents that accept an interactive client (<c>ConsoleInteractiveHost.FindByClient</c>, once per authorization
/// request): looked up in an index built once per policy snapshot, the same agents in the same order as a scan of every
/// tenant's agents gives, and a reload's snapshot indexed afresh.
/// </summary>
public sealed class ConsoleInteractiveHostTests
{
    private const string SecondClient = "second-ide";

    [Fact]
    public async Task FindByClient_SameSnapshot_AnswersFromOneIndexAsTheScanDid()
    {
        await using var gw = await InteractiveGateway.StartAsync($"{{ client_id: {SecondClient}, redirect_uris: [\"{InteractiveGateway.LoopbackRedirect}\"] }}");
        var host = gw.Gateway.Host.Services.GetRequiredService<IInteractiveHost>();
        var policy = gw.Gateway.Host.Services.GetRequiredService<PolicyProvider>();

        var found = host.FindByClient(InteractiveGateway.ClientId);

        Assert.Equal(["demo/demo-agent"], Names(found));
        Assert.Equal(Scan(policy, InteractiveGateway.ClientId), Names(found));
        Assert.Equal(Scan(policy, SecondClient), Names(host.FindByClient(SecondClient)));
        Assert.Same(found, host.FindByClient(InteractiveGateway.ClientId));
        Assert.Empty(host.FindByClient("unknown-ide"));
    }

    [Fact]
    public async Task FindByClient_AfterAReload_AnswersFromTheNewSnapshot()
    {
        await using var gw = await InteractiveGateway.StartAsync();
        var host = gw.Gateway.Host.Services.GetRequiredService<IInteractiveHost>();
        var policy = gw.Gateway.Host.Services.GetRequiredService<PolicyProvider>();
        Assert.Empty(host.FindByClient(SecondClient));

        // Another tenant's agent accepts the demo agent's client, and one of its own.
        var redirect = $"redirect_uris: [\"{InteractiveGateway.LoopbackRedirect}\"]";
        await gw.AddGlobexAsync($"clients: [{{ client_id: {InteractiveGateway.ClientId}, {redirect} }}, {{ client_id: {SecondClient}, {redirect} }}]");

        Assert.Equal(["demo/demo-agent", "globex/globex-agent"], Names(host.FindByClient(InteractiveGateway.ClientId)).Order(StringComparer.Ordinal));
        Assert.Equal(Scan(policy, InteractiveGateway.ClientId), Names(host.FindByClient(InteractiveGateway.ClientId)));
        Assert.Equal(["globex/globex-agent"], Names(host.FindByClient(SecondClient)));
        Assert.All(host.FindByClient(InteractiveGateway.ClientId), static a => Assert.Equal(InteractiveGateway.ClientId, a.Client.ClientId));
    }

    private static List<string> Names(IEnumerable<InteractiveAgent> agents) => [.. agents.Select(static a => a.Tenant + "/" + a.Agent)];

    // What the host answered before the index: every tenant's every agent, in the policy's order (no block here signs in
    // on the Development admin-token page).
    private static List<string> Scan(PolicyProvider policy, string clientId) =>
        [.. policy.Current!.Set.Tenants.Values.SelectMany(t => t.Register.Agents
            .Where(a => a.Interactive?.Client(clientId) is not null)
            .Select(a => t.Slug + "/" + a.Id))];
}
