using Gateway.Policy;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Telemetry;
using static Gateway.Proxy.Tests.Infrastructure.StageHarness;

namespace Gateway.Proxy.Tests.Decide;

/// <summary>The Decide stage on its own: the decision it adds after the admission (it writes nothing and always goes on: Record records every decision).</summary>
public sealed class DecideStageTests
{
    [Fact]
    public async Task InvokeAsync_PermittedTool_AddsAnAllowWithItsEntryAndToken()
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Decide, """{"tool":"read"}""");

        var governed = AssertAdded<GovernedDecision>(context);
        Assert.Equal(DecisionKind.Allow, governed.Kind);
        Assert.True(governed.Decision.MayExecute);
        Assert.Equal("read", governed.Entry?.Name);
        Assert.NotNull(governed.DecisionToken);
        Assert.False(governed.ExplanationJson.IsEmpty);
        Assert.True(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_UnknownTool_AddsABlockWithoutAnEntry()
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Decide, """{"tool":"no.such_tool"}""");

        var governed = AssertAdded<GovernedDecision>(context);
        Assert.Equal(DecisionKind.Block, governed.Kind);
        Assert.False(governed.Decision.MayExecute);
        Assert.Null(governed.Entry);
        Assert.NotEmpty(governed.FailingControls);
        Assert.True(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_ToolARuleBlocks_AddsABlockNamingTheEntryWithoutAToken()
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Decide, """{"tool":"frozen"}""");

        var governed = AssertAdded<GovernedDecision>(context);
        Assert.Equal((DecisionKind.Block, "frozen"), (governed.Kind, governed.Entry?.Name));
        Assert.Null(governed.DecisionToken);
        Assert.True(wentOn);
    }
}
