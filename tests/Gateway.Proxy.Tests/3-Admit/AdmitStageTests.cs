using Gateway.Oversight;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Infrastructure.StageHarness;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>The Admit stage on its own, over the embedded state store: the admission it adds, or the refusal.</summary>
public sealed class AdmitStageTests
{
    [Fact]
    public async Task InvokeAsync_DescribedAction_AddsTheAdmissionAndGoesOn()
    {
        await using var harness = await StartAsync();

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Admit, """{"tool":"read"}""");

        var admission = AssertAdded<Admission>(context);
        Assert.Equal(AdmissionVerdict.Admitted, admission.Verdict);
        Assert.Equal(Agent, admission.Identity?.Agent);
        Assert.NotNull(admission.TokenGrant);
        Assert.True(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_AgentSeenBefore_PlansTheAdmissionForTheRecordStageAndGoesOn()
    {
        await using var harness = await StartAsync();
        await harness.RunAsync(GatewayStage.Admit, """{"tool":"read"}""");

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Admit, """{"tool":"read"}""");

        // No store call here: the admission is made with the decision record, decided on what the first one read.
        var admission = AssertAdded<Admission>(context);
        Assert.Equal(AdmissionVerdict.Admitted, admission.Verdict);
        Assert.NotNull(admission.Plan);
        Assert.Equal(admission.Plan.TokenId, admission.TokenGrant?.TokenId);
        Assert.True(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_ReplayedNonce_Refuses401RecordedUnderTheTool()
    {
        await using var harness = await StartAsync(replace: AdmissionFirst);
        var identity = Identity();
        await harness.RunAsync(GatewayStage.Admit, """{"tool":"read"}""", identity: identity);

        var (replay, wentOn) = await harness.RunAsync(GatewayStage.Admit, """{"tool":"read"}""", identity: identity);

        var refusal = AssertRefused<Admission>(replay, StatusCodes.Status401Unauthorized, ProblemCodes.ReplayedNonce);
        Assert.Equal("read", refusal.AuditTool);
        Assert.False(wentOn);
    }

    [Fact]
    public async Task InvokeAsync_RateLimitUsedUp_Refuses429WithItsRetry()
    {
        await using var harness = await StartAsync(DefaultBundle + "\nrate_limits:\n  - { scope: agent, agent: a, limit: 1, window: 1m }\n", AdmissionFirst);
        await harness.RunAsync(GatewayStage.Admit, """{"tool":"read"}""");

        var (context, wentOn) = await harness.RunAsync(GatewayStage.Admit, """{"tool":"read"}""");

        var refusal = AssertRefused<Admission>(context, StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited);
        Assert.NotNull(refusal.RetryAfter);
        Assert.False(wentOn);
    }

    // Gateway:Admission:WithDecisionRecord off: every admission made here, before the decision.
    private static void AdmissionFirst(IServiceCollection services) =>
        services.Configure<GatewayOptions>(options => options.Admission.WithDecisionRecord = false);
}
