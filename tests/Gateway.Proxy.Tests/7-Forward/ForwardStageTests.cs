using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Infrastructure.StageHarness;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>The Forward stage on its own: a planned request goes on to YARP (the stage after it), one without a plan to its route kind's local destination.</summary>
public sealed class ForwardStageTests
{
    private const string LocalKind = "StageTestLocal";

    [Fact]
    public async Task InvokeAsync_Plan_GoesOnToYarpAndRestoresTheClientsBody()
    {
        await using var harness = await StartAsync(replace: ClustersInService);
        var context = harness.Request(InvokeTool, """{"tool":"read"}""");
        await harness.WalkAsync(context, GatewayStage.Forward);
        Assert.NotNull(context.GatewayRequest().Find<ForwardPlan>());
        var clientBody = context.Response.Body;
        var forwarded = false;

        await harness.Create<ForwardStage>(yarp =>
        {
            // A response transform wraps the body as YARP forwards.
            forwarded = true;
            yarp.Response.Body = new MemoryStream();
            return Task.CompletedTask;
        }).InvokeAsync(context);

        Assert.True(forwarded);
        Assert.Same(clientBody, context.Response.Body);
    }

    [Fact]
    public async Task InvokeAsync_NoPlanAndNoLocalDestination_ThrowsAndForwardsNothing()
    {
        await using var harness = await StartAsync();
        var context = harness.Request(InvokeTool, """{"tool":"read"}""");
        var next = new NextProbe();

        await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Create<ForwardStage>(next.Next).InvokeAsync(context));

        Assert.False(next.Called);
    }

    [Fact]
    public async Task InvokeAsync_NoPlanOnAKindWithALocalDestination_ServedByItNotYarp()
    {
        var destination = new CountingDestination();
        await using var harness = await StartAsync(replace: services => services.AddKeyedSingleton<ILocalDestination>(LocalKind, destination));
        var context = harness.Request(LocalKind, "{}");
        var next = new NextProbe();

        await harness.Create<ForwardStage>(next.Next).InvokeAsync(context);

        Assert.Same(context.GatewayRequest(), Assert.Single(destination.Served));
        Assert.False(next.Called);
    }

    /// <summary>A local destination that notes what it served.</summary>
    private sealed class CountingDestination : ILocalDestination
    {
        public List<GatewayRequestFeature> Served { get; } = [];

        public Task ServeAsync(HttpContext context, GatewayRequestFeature feature)
        {
            Served.Add(feature);
            return Task.CompletedTask;
        }
    }
}
