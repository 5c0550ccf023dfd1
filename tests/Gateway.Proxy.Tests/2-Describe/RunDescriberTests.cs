using System.Text;
using Gateway.Oversight.Options;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Proxy.Tests.Describe;

/// <summary>
/// The describers of the run routes, constructed over a real (embedded) run store: the <see cref="LocalAction"/> each adds
/// (what Record appends, what a suspension or the run found refuses, admitted with the tenant's rate limits) or the
/// refusal of a body that cannot be read.
/// </summary>
public sealed class RunDescriberTests : IAsyncLifetime
{
    private static readonly AgentIdentity Agent = StoredRuns.Agent;

    private readonly StoredRuns _stored = new();
    private StageHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await StageHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private PolicyProvider Policy => _harness.Services.GetRequiredService<PolicyProvider>();

    private RunStartDescriber StartDescriber(Microsoft.Extensions.Options.IOptions<OversightOptions> options) =>
        new(_stored.Runs, _stored.Time, options, Policy, new Gateway.Store.InMemoryStateStore(_stored.Time));

    [Fact]
    public async Task DescribeAsync_StartOfARun_AddsTheRunToStoreAndTheRecordToAppendFirst()
    {
        var (feature, refusal) = await DescribeAsync(StartDescriber(MsOptions.Create(new OversightOptions())), Agent, """{"purpose":"triage"}""");

        Assert.Null(refusal);
        var action = feature.Get<LocalAction>();
        var run = feature.Get<RunStart>().Record;
        Assert.Equal(("run", LocalAdmission.RateLimited, "triage"), (action.Tool, action.Admission, run.Purpose));
        Assert.Equal("t1", action.Tenant!.Slug);
        Assert.Equal(("run_started", StatusCodes.Status201Created, run.Id), (action.Entry!.Decision, action.Entry.Status, action.Entry.RunId));
        Assert.Equal("blocked", action.WhenSuspended!.Refusal.Code);
        Assert.Null(action.Refused);
        Assert.Null(await _stored.Runs.FindAsync("t1", "agent-a", run.Id));
    }

    [Fact]
    public async Task DescribeAsync_ChildBoundToItsRunStartingAnother_IsRefusedAsForeignAndRecordedWithoutARun()
    {
        var bound = Agent with { Run = new RunBinding(Run(RunIds.New()), null) { FromGrant = true } };

        var (feature, _) = await DescribeAsync(StartDescriber(MsOptions.Create(new OversightOptions())), bound, "");

        var refused = feature.Get<LocalAction>().Refused!;
        Assert.Equal("run_foreign", refused.Refusal.Code);
        Assert.Equal(("refused:run_foreign", (string?)null), (refused.Entry!.Decision, refused.Entry.RunId));
    }

    [Fact]
    public async Task DescribeAsync_BodyOverItsBound_IsRefusedAndDescribesNothing()
    {
        var options = MsOptions.Create(new OversightOptions { Runs = new RunOptions { MaxEventBytes = 16 } });

        var (feature, refusal) = await DescribeAsync(StartDescriber(options), Agent, """{"purpose":"a purpose longer than sixteen bytes"}""");

        Assert.Equal(StatusCodes.Status413PayloadTooLarge, refusal!.Status);
        Assert.Null(feature.Find<LocalAction>());
    }

    [Fact]
    public async Task DescribeAsync_EventOfARunAnOperatorEnded_IsRefusedAndRecordedWithWhoEndedIt()
    {
        var run = Run(RunIds.New());
        await _stored.Runs.CreateAsync(run);
        await _stored.Runs.EndAsync(run, new RunEnd(RunStatuses.Completed, RunEnd.ByAdmin("ops"), _stored.Time.GetUtcNow()));

        var (feature, _) = await DescribeAsync(new RunEventDescriber(_stored.Runs, _stored.Time, MsOptions.Create(new OversightOptions()), Policy), Agent, """{"type":"step"}""", run.Id);

        var refused = feature.Get<LocalAction>().Refused!;
        Assert.Equal("run_ended", refused.Refusal.Code);
        Assert.Equal((run.Id, "admin:ops"), (refused.Entry!.RunId, refused.Entry.RunEndedBy));
    }

    [Fact]
    public async Task DescribeAsync_EventThatEndsTheRun_RecordsWhoEndsItBeforeItEnds()
    {
        var run = Run(RunIds.New());
        await _stored.Runs.CreateAsync(run);

        var (feature, _) = await DescribeAsync(new RunEventDescriber(_stored.Runs, _stored.Time, MsOptions.Create(new OversightOptions()), Policy), Agent, """{"type":"completed"}""", run.Id);

        var action = feature.Get<LocalAction>();
        Assert.Equal(("run_event", "agent:agent-a"), (action.Entry!.Decision, action.Entry.RunEvent!.By));
        Assert.Equal(RunStatuses.Completed, feature.Get<RunEventTaken>().Ending!.Status);
        Assert.Equal(RunStatuses.Active, (await _stored.Runs.FindAsync("t1", "agent-a", run.Id))!.Status);
    }

    private RunRecord Run(string id) => _stored.NewRun() with { Id = id };

    private static async Task<(GatewayRequestFeature Feature, Gateway.Proxy.Refusals.Refusal? Refusal)> DescribeAsync(IRouteDescriber describer, AgentIdentity identity, string body, string? runId = null)
    {
        var context = new DefaultHttpContext();
        var feature = new GatewayRequestFeature("req-1");
        context.Features.Set(feature);
        if (runId is not null)
        {
            context.Request.RouteValues["id"] = runId;
        }

        var authenticated = new AuthenticatedRequest(identity, Encoding.UTF8.GetBytes(body));
        var (action, refusal) = await describer.DescribeAsync(context, feature, authenticated);
        Assert.Null(action);
        return (feature, refusal);
    }
}
