using Gateway.Oversight;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Where <c>POST /v1/runs/{id}/events</c> is served, once its <c>run_event</c> record is durable: an event that ends the
/// run (completed, failed, cancelled) ends it on every replica (<see cref="RunStore.EndAsync"/>: the first ending wins; one
/// that lost to another, an operator's cancel say, is refused <c>409</c> and that refusal recorded too), and the event is
/// answered with the run's status. A store that fails meanwhile ends the request in a refusal Respond records right after
/// that record (503 <c>store_unavailable</c>; any other failure 500 <c>internal_error</c>). The ending is not the request's to
/// cancel (<see cref="CancellationToken.None"/>, as the record's append): a client gone once the record is durable leaves
/// the run ended as it says.
/// </summary>
internal sealed class RunEventDestination : ILocalDestination
{
    private readonly RunStore _runs;

    public RunEventDestination(RunStore runs) => _runs = runs;

    public async Task ServeAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var (run, request, ending) = feature.Get<RunEventTaken>();
        if (ending is not null)
        {
            var (won, state) = await _runs.EndAsync(run.Record, ending, CancellationToken.None).ConfigureAwait(false);
            run = run with { End = state.End };
            if (!won)
            {
                // Another replica ended it first: that ending stands.
                feature.Add(RunRefusals.Ended(run.Id, run.End, feature.Get<LocalAction>().Tool)!);
                return;
            }
        }

        feature.Add(new LocalAnswer(Results.Json(new RunEventRecorded(run.Id, request.Type, run.Status), OversightJson.RunEventRecorded)));
    }
}
