using Gateway.Audit;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describes <c>POST /v1/runs/{id}/events</c>, one lifecycle event of the agent's own run (started, step, completed,
/// failed, cancelled; bounded, no secret material, <see cref="RunRequestReader.ReadEvent"/>). The run named by the path
/// must be the one the request acts in (its header, a child's grant) and the agent's own (read from the run store), else
/// <c>403 run_foreign</c> (recorded without its id); one that has ended is <c>409</c> (recorded with who ended it), save
/// its agent's own <c>cancelled</c> acknowledging a cancel. Allowed, the event is recorded (<c>run_event</c>, with who
/// ends the run when it ends it) before its local destination ends the run (<see cref="RunEventTaken"/>). A store that cannot
/// read the run is 503 <c>store_unavailable</c>, recorded under the tool <c>run</c>.
/// </summary>
internal sealed class RunEventDescriber : RunRouteDescriber
{
    private readonly TimeProvider _time;

    public RunEventDescriber(RunStore runs, TimeProvider time, Microsoft.Extensions.Options.IOptions<Oversight.Options.OversightOptions> options, Bundle.PolicyProvider policy)
        : base(runs, options, policy) => _time = time;

    protected override async ValueTask<Refusal?> DescribeRunAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, ReadOnlyMemory<byte> body)
    {
        var (request, error) = RunRequestReader.ReadEvent(body.Span);
        if (request is null)
        {
            return RunBody.Malformed(error);
        }

        // The run named by the path must be the one the request acts in (its header, a child's grant), and the agent's own.
        var id = context.GetRouteValue("id") as string;
        RunBinding? run;
        try
        {
            run = identity.Run is { } carried
                ? carried.Id == id ? carried : null
                : RunIds.IsValid(id) ? await FindAsync(identity, id!, context.RequestAborted).ConfigureAwait(false) : null;
        }
        catch (StateStoreUnavailableException)
        {
            // A store that cannot say whose run it is refuses the event, recorded under the tool runs are admitted as.
            return Refusal.StoreUnavailable() with { AuditTool = RunStartDescriber.Tool };
        }
        if (RateLimitedAction(identity) is not { } action)
        {
            return Refusal.PolicyUnavailable();
        }

        if (run is null)
        {
            feature.Add(action with { Refused = RunStartDescriber.Refused(identity, null, RunRefusals.Foreign()) });
            return null;
        }

        var acknowledgesCancel = request.Type == RunStatuses.Cancelled && run.Status == RunStatuses.Cancelled;
        if (!acknowledgesCancel && RunRefusals.Ended(run.Id, run.End, RunStartDescriber.Tool) is { } ended)
        {
            feature.Add(action with { Refused = RunStartDescriber.Refused(identity, run, ended) });
            return null;
        }

        var ending = !acknowledgesCancel && request.Type is RunStatuses.Completed or RunStatuses.Failed or RunStatuses.Cancelled
            ? new RunEnd(request.Type, RunEnd.ByAgent(identity.Agent), _time.GetUtcNow())
            : null;
        feature.Add(new RunEventTaken(run, request, ending));
        feature.Add(action with
        {
            Entry = LocalEntry.Of(identity, "run_event", StatusCodes.Status200OK) with
            {
                RunId = run.Id,
                RunEvent = new AuditRunEvent { Type = request.Type, Name = request.Name, Detail = request.Detail, By = ending?.By },
            },
        });
        return null;
    }
}
