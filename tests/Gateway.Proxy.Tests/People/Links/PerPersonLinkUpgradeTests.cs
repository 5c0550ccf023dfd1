using System.Net;
using System.Text.Json;
using Gateway.Proxy.Console;
using Gateway.Proxy.People.Links;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.People.Links;

/// <summary>
/// A rolling upgrade to the version that binds a link to what the person consented to (<see cref="LinkBinding"/>): a link
/// flow started on a replica of the earlier version, which records no binding, is finished on this one and bound to the
/// connector's settings now (its stored links are adopted likewise: <see cref="PerPersonLinkTests"/>).
/// </summary>
public sealed class PerPersonLinkUpgradeTests
{
    [Fact]
    public async Task Link_FlowStartedWithoutABinding_IsBoundToTheConnectorAndLinked()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        var store = gw.Gateway.Host.Services.GetRequiredService<IStateStore>();
        using var refused = await gw.CallAsync("erin");

        // The flow as an earlier version (another replica during a rolling upgrade) kept it: no binding recorded.
        using var callback = await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin", beforeCallbackWithState: async state =>
        {
            var key = ConsoleLinkFlow.FlowKey("demo", state);
            var flow = JsonSerializer.Deserialize(Assert.IsType<string>(await store.GetAsync(key)), LinksJsonContext.Default.LinkFlowState);
            Assert.NotNull(flow);
            Assert.NotNull(flow.Binding);
            await store.SetAsync(key, JsonSerializer.Serialize(flow with { Binding = null }, LinksJsonContext.Default.LinkFlowState), TimeSpan.FromMinutes(5));
        });
        using var retried = await gw.CallAsync("erin");

        Assert.True(callback.StatusCode == HttpStatusCode.OK, await callback.Content.ReadAsStringAsync());
        Assert.True(retried.StatusCode == HttpStatusCode.OK, await retried.Content.ReadAsStringAsync());
        var linked = await gw.Gateway.Host.Services.GetRequiredService<LinkedAccounts>().GetAsync(gw.KeyOf("erin"), CancellationToken.None);
        Assert.Equal(gw.Binding, linked?.Binding);
    }
}
