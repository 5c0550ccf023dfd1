using Gateway.Proxy.Admit;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond for the governed requests that YARP's pipeline does not carry: the runs, run events, delegations and approval
/// polls (their <see cref="AgentRouteOutcome"/>: the refusal, or the answer with its <c>Location</c>). With
/// <see cref="RespondStage"/>, the one place a governed request is answered or refused.
/// </summary>
internal sealed class AgentRouteResponder
{
    /// <summary>Writes an agent route's outcome (already recorded): its refusal, or its answer.</summary>
    public Task RespondAsync(HttpContext context, AgentRouteOutcome outcome)
    {
        if (outcome.Refusal is { } refusal)
        {
            return RefusalResponse.WriteAsync(context, refusal);
        }

        if (outcome.NoStore)
        {
            context.Response.Headers.CacheControl = "no-store";
        }

        if (outcome.Location is { } location)
        {
            context.Response.Headers.Location = location;
        }

        return outcome.Answer!.ExecuteAsync(context);
    }
}
