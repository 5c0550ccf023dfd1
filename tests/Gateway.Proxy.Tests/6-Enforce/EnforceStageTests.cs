using Gateway.Oversight;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using static Gateway.Proxy.Tests.Infrastructure.StageHarness;

namespace Gateway.Proxy.Tests.Enforce;

/// <summary>The Enforce stage on its own: the forward plan of a decision carried out, nothing for one that is not, a refusal for a limit that stops it.</summary>
public sealed class EnforceStageTests
{
    [Fact]
    public async Task InvokeAsync_AllowedDecision_AddsThePlanOntoTheConnectorsCluster()
    {
        await using var harness = await StartAsync(replace: ClustersInService);

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Enforce, """{"tool":"read","args":{"q":"x"}}""");

        var plan = AssertAdded<ForwardPlan>(context);
        Assert.Equal(("read", Agent), (plan.Entry.Name, plan.Identity.Agent));
        Assert.NotNull(plan.DecisionToken);
        Assert.NotNull(plan.Envelope);
        Assert.StartsWith(plan.ClusterId, context.GetReverseProxyFeature().Route.Config.RouteId, StringComparison.Ordinal);
        Assert.Equal(plan.Body.Length, context.Request.ContentLength);
        Assert.True(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_BlockedDecision_PlansNothingAndStops()
    {
        await using var harness = await StartAsync(replace: ClustersInService);

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Enforce, """{"tool":"frozen"}""");

        Assert.Null(context.GatewayRequest().Find<ForwardPlan>());
        Assert.Null(context.GatewayRequest().Find<Refusal>());
        Assert.False(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_CredentialNotInTheVault_Refuses503WithoutAPlan()
    {
        await using var harness = await StartAsync(replace: ClustersInService);

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Enforce, """{"tool":"write"}""");

        AssertRefused<ForwardPlan>(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.CredentialUnavailable);
        Assert.False(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_ConnectorNotInServiceYet_Refuses503WithoutAPlan()
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Enforce, """{"tool":"read"}""");

        AssertRefused<ForwardPlan>(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.UpstreamUnavailable);
        Assert.False(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_ConnectorNotInServiceYet_AsksForARetryInTwoSeconds()
    {
        await using var harness = await StartAsync();

        var (context, _) = await harness.RunAsync(GatewayStage.Enforce, """{"tool":"read"}""");

        var refusal = AssertRefused<ForwardPlan>(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.UpstreamUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(2), refusal.RetryAfter);
    }
}
