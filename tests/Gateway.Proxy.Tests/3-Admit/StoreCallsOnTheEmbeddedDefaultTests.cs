using System.Collections.Concurrent;
using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// On the embedded store's default (no sink configured: the decision records in the store's own journal) an allowed
/// request makes one store call before it is forwarded: its decision record and its admission together
/// (<c>append_admit</c>, one journal record and one fsync). Counted by a decorator around the gateway's real store.
/// </summary>
public sealed class StoreCallsOnTheEmbeddedDefaultTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Request, string Call)> _calls = new();
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(configure: builder =>
    {
        CountingStateStore.CountInto(builder, _calls);
    });

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task InvokeTool_Allowed_MakesOneStoreCallForItsRecordAndItsAdmission()
    {
        using var warm = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-warm"}}""");
        await DecisionJson.DecisionAsync(warm, "allow");

        const string Nonce = "counted-c1-0123456789abcdef";
        using var request = _gw.Agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""", Nonce);
        using var response = await _gw.Agent.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Its admission was made in one call, with a decision record; and it made no call of another kind. (A group's
        // call is made by whichever request leads it: the one before this one, appending its outcome, may carry this one's.)
        var requestId = response.Headers.GetValues("X-Request-Id").Single();
        var nonceKey = Gateway.Store.StoreKeys.Nonce(DemoBundle.Tenant, DemoBundle.Agent, Nonce);
        Assert.Equal(["append_admit"], _calls.Where(c => c.Request == CountingStateStore.AdmissionOf(nonceKey)).Select(c => c.Call));
        Assert.All(_calls.Where(c => c.Request == requestId), c => Assert.Equal("append_admit", c.Call));
    }
}
