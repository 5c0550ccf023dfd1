using Gateway.Oversight.Runs;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// The run event's local destination, constructed with its records over a real (embedded) run store: an event that ends
/// the run ends it (the first ending wins) and is answered; one that lost to an ending made elsewhere is refused 409 and
/// the first ending stands.
/// </summary>
public sealed class RunEventDestinationTests
{
    private readonly StoredRuns _stored = new();
    private readonly RunRecord _run;

    public RunEventDestinationTests() => _run = _stored.NewRun();

    [Fact]
    public async Task ServeAsync_EventThatEndsTheRun_EndsItAndAnswers()
    {
        await _stored.Runs.CreateAsync(_run);

        var feature = await ServeAsync(new RunEnd(RunStatuses.Completed, RunEnd.ByAgent("agent-a"), _stored.Time.GetUtcNow()));

        Assert.NotNull(feature.Find<LocalAnswer>());
        Assert.Null(feature.Find<Refusal>());
        Assert.Equal("agent:agent-a", (await _stored.Runs.FindAsync("t1", "agent-a", _run.Id))!.End!.By);
    }

    [Fact]
    public async Task ServeAsync_RunEndedElsewhereFirst_IsRefusedAndTheFirstEndingStands()
    {
        await _stored.Runs.CreateAsync(_run);
        await _stored.Runs.EndAsync(_run, new RunEnd(RunStatuses.Cancelled, RunEnd.ByAdmin("ops"), _stored.Time.GetUtcNow()));

        var feature = await ServeAsync(new RunEnd(RunStatuses.Completed, RunEnd.ByAgent("agent-a"), _stored.Time.GetUtcNow()));

        Assert.Equal((StatusCodes.Status409Conflict, "run_cancelled"), (feature.Get<Refusal>().Status, feature.Get<Refusal>().Code));
        Assert.Null(feature.Find<LocalAnswer>());
        Assert.Equal("admin:ops", (await _stored.Runs.FindAsync("t1", "agent-a", _run.Id))!.End!.By);
    }

    private async Task<GatewayRequestFeature> ServeAsync(RunEnd ending)
    {
        var context = new DefaultHttpContext();
        var feature = new GatewayRequestFeature("req-1");
        context.Features.Set(feature);
        feature.Add(new LocalAction("run", LocalAdmission.Request));
        feature.Add(new RunEventTaken(new RunBinding(_run, null), new RunEventRequest(ending.Status, null, null), ending));
        feature.Add(new Admission(AdmissionVerdict.Admitted, StoredRuns.Agent, null, TimeSpan.Zero));

        await new RunEventDestination(_stored.Runs).ServeAsync(context, feature);
        return feature;
    }
}
