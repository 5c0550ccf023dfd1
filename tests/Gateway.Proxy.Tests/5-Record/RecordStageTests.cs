using Gateway.Audit;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using static Gateway.Proxy.Tests.Infrastructure.StageHarness;

namespace Gateway.Proxy.Tests.Record;

/// <summary>The Record stage on its own, over the audit journal on the embedded store: the decision appended before anything acts on it.</summary>
public sealed class RecordStageTests
{
    [Fact]
    public async Task InvokeAsync_AllowedDecision_AppendsItAndAddsAnExecuteRecordWithItsReceipt()
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Record, """{"tool":"read"}""");

        var recorded = AssertAdded<RecordedDecision>(context);
        Assert.Equal((DecisionDisposition.Execute, 0), (recorded.Disposition, recorded.StatusCode));
        Assert.NotNull(context.GatewayRequest().Receipt);
        var record = Assert.Single(await harness.AuditAsync());
        Assert.Equal("read", record.GetProperty("tool").GetString());
        Assert.Contains(context.GatewayRequest().RequestId, record.GetRawText(), StringComparison.Ordinal);
        Assert.True(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_BlockedDecision_AppendsItAndAddsARefuse403()
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Record, """{"tool":"frozen"}""");

        var recorded = AssertAdded<RecordedDecision>(context);
        Assert.Equal((DecisionDisposition.Refuse, StatusCodes.Status403Forbidden), (recorded.Disposition, recorded.StatusCode));
        Assert.Equal("frozen", Assert.Single(await harness.AuditAsync()).GetProperty("tool").GetString());
        Assert.True(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_Evaluation_AddsAnAnswer200()
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Record, """{"tool":"read"}""", Evaluate, path: "/v1/evaluate");

        var recorded = AssertAdded<RecordedDecision>(context);
        Assert.Equal((DecisionDisposition.Answer, StatusCodes.Status200OK), (recorded.Disposition, recorded.StatusCode));
        Assert.True(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_JournalFails_ThrowsAndNothingActsOnTheDecision()
    {
        await using var harness = await StartAsync(replace: JournalFails);
        var context = harness.Request(InvokeTool, """{"tool":"read"}""");
        await harness.WalkAsync(context, GatewayStage.Record);
        var next = new NextProbe();

        await Assert.ThrowsAsync<AuditWriteException>(() => harness.Create<RecordStage>(next.Next).InvokeAsync(context));

        Assert.Null(context.GatewayRequest().Find<RecordedDecision>());
        Assert.Null(context.GatewayRequest().Receipt);
        Assert.False(next.Called);
    }
}
