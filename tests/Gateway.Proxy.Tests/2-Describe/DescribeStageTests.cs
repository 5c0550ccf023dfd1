using Gateway.Oversight;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Infrastructure.StageHarness;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>The Describe stage on its own: the described action it adds, or the refusal, with the Authenticate stage's record before it.</summary>
public sealed class DescribeStageTests
{
    private const string TestKind = "StageTestDescribed";

    [Fact]
    public async Task InvokeAsync_ActionBody_AddsTheDescribedActionAndGoesOn()
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Describe, """{"tool":"read","args":{"q":"x"}}""");

        var described = AssertAdded<DescribedAction>(context);
        Assert.Equal(("read", Tenant), (described.Request.Tool, described.Tenant.Slug));
        Assert.Equal("x", described.Request.Args.GetProperty("q").GetString());
        Assert.True(wentOn);
    }

    [Theory]
    [InlineData("""{"tool":""")]
    [InlineData("""{"args":{}}""")]
    [InlineData("""{"tool":"read","tool":"write"}""")]
    public async Task InvokeAsync_MalformedBody_Refuses400AndDescribesNothing(string body)
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Describe, body);

        var refusal = AssertRefused<DescribedAction>(context, StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody);
        Assert.Null(refusal.AuditTool);
        Assert.False(wentOn);
    }

    [Theory]
    [InlineData(257, true)]
    [InlineData(4_000_000, true)]
    [InlineData(256, false)]
    public async Task InvokeAsync_ToolLongerThanAnyCatalogName_Refuses400(int length, bool refused)
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Describe, "{\"tool\":\"" + new string('t', length) + "\"}");

        if (refused)
        {
            AssertRefused<DescribedAction>(context, StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody);
        }

        Assert.Equal(!refused, wentOn);
    }

    [Theory]
    [InlineData("x\\r\\u001b[2Kaudit demo tool=refund decision=allow")]
    [InlineData("read\\n")]
    [InlineData("read\\u0085")]
    public async Task InvokeAsync_ToolWithAControlCharacter_Refuses400(string tool)
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Describe, "{\"tool\":\"" + tool + "\"}");

        AssertRefused<DescribedAction>(context, StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody);
        Assert.False(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_BodyNotJson_Refuses415AndDescribesNothing()
    {
        await using var harness = await StartAsync();
        var context = harness.Request(InvokeTool, """{"tool":"read"}""", contentType: "text/plain");
        var next = new NextProbe();

        await harness.Create<DescribeStage>(next.Next).InvokeAsync(context);

        AssertRefused<DescribedAction>(context, StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType);
        Assert.False(next.Called);
    }

    [Fact]
    public async Task InvokeAsync_SecretMaterialInArguments_RefusesRecordedUnderTheTool()
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Describe, """{"tool":"read","args":{"q":"x","api_key":"abc123"}}""");

        var refusal = context.GatewayRequest().Find<Refusal>();
        Assert.Equal((StatusCodes.Status400BadRequest, ProblemCodes.SecretMaterialInPayload, "read"), (refusal?.Status, refusal?.Code, refusal?.AuditTool));
        Assert.False(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_RouteKindWithItsDescriber_AddsWhatTheDescriberRefused()
    {
        var refused = new Refusal(StatusCodes.Status422UnprocessableEntity, ProblemCodes.MalformedBody, "Refused by the kind's describer.");
        await using var harness = await StartAsync(replace: services => services.AddKeyedSingleton<IRouteDescriber>(TestKind, new RefusingDescriber(refused)));

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Describe, "{}", TestKind);

        Assert.Same(refused, context.GatewayRequest().Find<Refusal>());
        Assert.Null(context.GatewayRequest().Find<DescribedAction>());
        Assert.False(wentOn);
    }

    /// <summary>A route kind's describer that refuses every request.</summary>
    private sealed class RefusingDescriber(Refusal refusal) : IRouteDescriber
    {
        public ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated) =>
            ValueTask.FromResult<(DescribedAction?, Refusal?)>((null, refusal));
    }
}
