using Gateway.Oversight;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Tests.Describe;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// Admit's limits on <c>/mcp</c>, the kind's admission constructed with the gateway's services and given a described
/// request: a governed call takes a place among its agent's calls in flight and its lifetime (the request's
/// <c>RequestAborted</c>), both held until the request is answered; one call too many is refused.
/// </summary>
public sealed class McpAdmissionTests(GovernedGatewayFixture fixture) : IClassFixture<GovernedGatewayFixture>
{
    private const string Call = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"crm_read_contact","arguments":{"id":"42"}}}""";

    [Fact]
    public async Task AdmitAsync_GovernedCall_HoldsItsPlaceAndLifetimeUntilAnswered()
    {
        var services = fixture.Gateway.Host.Services;
        var sessions = services.GetRequiredService<McpSessions>();
        var before = sessions.CallsInFlight(DemoBundle.Tenant, DemoBundle.Agent);
        var (context, feature, _, _) = await DescribedCallAsync(services);
        using var clientGone = new CancellationTokenSource();
        context.RequestAborted = clientGone.Token;

        var refusal = await Admission(services).AdmitAsync(context, feature, McpDescriberTests.Agent);

        Assert.Null(refusal);
        Assert.Equal(before + 1, sessions.CallsInFlight(DemoBundle.Tenant, DemoBundle.Agent));
        Assert.NotEqual(clientGone.Token, context.RequestAborted);
        Assert.NotNull(feature.Find<McpCallStream>());
        feature.ReleaseHeld();
        Assert.Equal(before, sessions.CallsInFlight(DemoBundle.Tenant, DemoBundle.Agent));
        Assert.Equal(clientGone.Token, context.RequestAborted);
    }

    [Fact]
    public async Task AdmitAsync_OneCallBeyondTheAgentsCallsInFlight_IsRefusedUntilOneIsAnswered()
    {
        var services = fixture.Gateway.Host.Services;
        var limit = services.GetRequiredService<IOptions<McpEndpointOptions>>().Value.MaxPendingCallsPerAgent;
        var admission = Admission(services);
        var held = new List<GatewayRequestFeature>();
        var room = limit - services.GetRequiredService<McpSessions>().CallsInFlight(DemoBundle.Tenant, DemoBundle.Agent);
        for (var i = 0; i < room; i++)
        {
            var (context, feature, _, _) = await DescribedCallAsync(services);
            Assert.Null(await admission.AdmitAsync(context, feature, McpDescriberTests.Agent));
            held.Add(feature);
        }

        try
        {
            var (beyond, beyondFeature, _, _) = await DescribedCallAsync(services);
            var refusal = await admission.AdmitAsync(beyond, beyondFeature, McpDescriberTests.Agent);
            Assert.Equal(StatusCodes.Status429TooManyRequests, refusal!.Status);
            Assert.Equal(ProblemCodes.McpPendingLimit, refusal.Code);
            Assert.Null(beyondFeature.Find<McpCallStream>());

            held[0].ReleaseHeld();
            var (next, nextFeature, _, _) = await DescribedCallAsync(services);
            Assert.Null(await admission.AdmitAsync(next, nextFeature, McpDescriberTests.Agent));
            held[0] = nextFeature;
        }
        finally
        {
            held.ForEach(static feature => feature.ReleaseHeld());
        }
    }

    /// <summary>A <c>tools/call</c> described as the Describe stage leaves it: the message and the action on the request.</summary>
    private static async Task<(HttpContext Context, GatewayRequestFeature Feature, Gateway.Proxy.Describe.DescribedAction? Action, Gateway.Proxy.Refusals.Refusal? Refusal)> DescribedCallAsync(IServiceProvider services)
    {
        var described = await McpDescriberTests.DescribeAsync(services, Call);
        described.Feature.Add(described.Action!);
        return described;
    }

    private static McpAdmission Admission(IServiceProvider services) => new(services.GetRequiredService<McpSessions>(), services.GetRequiredService<McpCallStreams>(),
        services.GetRequiredService<IOptions<McpEndpointOptions>>());
}
