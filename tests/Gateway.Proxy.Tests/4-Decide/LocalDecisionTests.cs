using System.Diagnostics.Metrics;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Decide;

/// <summary>
/// The Decide stage on a request the gateway serves itself (<see cref="LocalAction"/>), constructed with its records: a
/// suspended agent is refused where the kind says so, then what the describer found; otherwise allowed. It reads and
/// writes nothing (the policy engine is never consulted) and goes on to Record either way.
/// </summary>
public sealed class LocalDecisionTests : IDisposable
{
    private static readonly AgentIdentity Agent = new(new Gateway.Policy.AuthenticatedCaller("t1", "w", "agent-a"), "nonce-nonce-nonce-1", 0);

    private static readonly LocalRefusal Suspended = new(new Refusal(StatusCodes.Status403Forbidden, Gateway.Oversight.ProblemCodes.Blocked, "suspended"), LocalEntry.Of(Agent, "refused:blocked", 403));

    private static readonly LocalRefusal Foreign = new(RunRefusals.Foreign(), null);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task InvokeAsync_SuspendedAgent_IsRefusedAsItsKindSaysBeforeAnythingElse()
    {
        var decision = await DecideAsync(new LocalAction("run", LocalAdmission.Request) { WhenSuspended = Suspended, Refused = Foreign }, Agent with { Suspended = true });

        Assert.Same(Suspended, decision.Refused);
    }

    [Fact]
    public async Task InvokeAsync_ActiveAgentAndARefusalFound_IsThatRefusal()
    {
        var decision = await DecideAsync(new LocalAction("run", LocalAdmission.Request) { WhenSuspended = Suspended, Refused = Foreign }, Agent);

        Assert.Same(Foreign, decision.Refused);
    }

    [Fact]
    public async Task InvokeAsync_SuspendedAgentOfAKindASuspensionDoesNotRefuse_IsAllowed()
    {
        var decision = await DecideAsync(new LocalAction(null, LocalAdmission.Request), Agent with { Suspended = true });

        Assert.True(decision.Allowed);
    }

    private async Task<LocalDecision> DecideAsync(LocalAction action, AgentIdentity admitted)
    {
        var context = new DefaultHttpContext();
        var feature = new GatewayRequestFeature("req-1");
        context.Features.Set(feature);
        feature.Add(new AuthenticatedRequest(Agent, ReadOnlyMemory<byte>.Empty));
        feature.Add(action);
        feature.Add(new Admission(AdmissionVerdict.Admitted, admitted, null, TimeSpan.Zero));
        var walkedOn = false;
        var stage = new DecideStage(_ => { walkedOn = true; return Task.CompletedTask; }, governance: null!, new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()));

        await stage.InvokeAsync(context);

        Assert.True(walkedOn);
        Assert.Null(feature.Find<Refusal>());
        return feature.Get<LocalDecision>();
    }
}
