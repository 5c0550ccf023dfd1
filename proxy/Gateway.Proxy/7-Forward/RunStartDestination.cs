using System.Diagnostics;
using Gateway.Oversight;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Where <c>POST /v1/runs</c> is served, once its <c>run_started</c> record is durable (a run no record names is never
/// started): the run is stored (<see cref="RunStore"/>), its start traced as a span of the run's own trace when the agent
/// sent none (<c>gateway.run</c>, linked to the request), and answered 201 with its id and trace (no-store, its Location).
/// A store that fails to keep the run ends the request in a refusal Respond records right after that record (503
/// <c>store_unavailable</c>; any other failure 500 <c>internal_error</c>): the chain says the run never started. The write
/// is not the request's to cancel (<see cref="CancellationToken.None"/>, as the record's append): a client gone once the
/// record is durable leaves the run it names started.
/// </summary>
internal sealed class RunStartDestination : ILocalDestination
{
    private readonly RunStore _runs;
    private readonly RunTraceSampling _sampling;

    public RunStartDestination(RunStore runs, RunTraceSampling sampling)
    {
        _runs = runs;
        _sampling = sampling;
    }

    public async Task ServeAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var start = feature.Get<RunStart>();
        var run = start.Record;
        await _runs.CreateAsync(run, CancellationToken.None).ConfigureAwait(false);
        GatewayTelemetry.SetRun(context, run.Id);
        if (start.TracesStart)
        {
            TraceStart(run);
        }

        feature.Add(new LocalAnswer(Results.Json(RunInfo.Of(new RunState(run, null)), OversightJson.RunInfo, statusCode: StatusCodes.Status201Created))
        {
            Location = "/v1/runs/" + run.Id,
            NoStore = true,
        });
    }

    /// <summary>The run's start as a span of the run's own trace, linked to the request that started it (<c>gateway.run</c>).</summary>
    private void TraceStart(RunRecord run)
    {
        var links = Activity.Current is { } request ? new[] { new ActivityLink(request.Context) } : null;
        using var span = GatewayActivitySource.Source.StartActivity(GatewayActivitySource.RunSpan, ActivityKind.Internal, RunTrace.ContextOf(run.Id, _sampling.IsSampled(run.Id)), links: links);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(GatewaySpanAttributes.Tenant, run.Tenant);
            span.SetTag(GatewaySpanAttributes.Agent, run.StartedBy);
            span.SetTag(GatewaySpanAttributes.Run, run.Id);
        }
    }
}
