using System.Diagnostics;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// With no traces exported, the upstream client propagates nothing of its own: the trace context an agent sends reaches
/// the upstream exactly as sent, and a request without one reaches it without one.
/// </summary>
public sealed class UpstreamTraceContextTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public UpstreamTraceContextTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task Providers_AgentTraceContext_ReachesTheUpstreamAsSent()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");
        var traceparent = $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
        using var request = _gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id);
        request.Headers.TryAddWithoutValidation("traceparent", traceparent);
        request.Headers.TryAddWithoutValidation("tracestate", "vendor=agent");

        using var response = await _gw.Agent.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode, $"status {(int)response.StatusCode}");
        var received = Assert.Single(_gw.Upstream.To("/crm/contacts/" + id));
        Assert.Equal(traceparent, received.Headers["traceparent"]);
        Assert.Equal("vendor=agent", received.Headers["tracestate"]);
    }

    [Fact]
    public async Task Providers_NoAgentTraceContext_UpstreamGetsNone()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");
        using var request = _gw.Agent.Create(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id);

        using var response = await _gw.Agent.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode, $"status {(int)response.StatusCode}");
        var received = Assert.Single(_gw.Upstream.To("/crm/contacts/" + id));
        Assert.False(received.Headers.ContainsKey("traceparent"), "the upstream received a traceparent the agent did not send");
    }
}
