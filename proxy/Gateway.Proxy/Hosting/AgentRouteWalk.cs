using Gateway.Audit;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Respond;
using Gateway.Store;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The walk of an agent route that forwards nothing (a run, a run event, a delegation, an approval poll), the one shape
/// of their handlers: authenticated before it (the route's authorization policy), admitted by 3
/// (<see cref="AgentRouteAdmission"/>), decided by the route's handler (its <see cref="AgentRouteOutcome"/>), recorded by 5
/// (<see cref="AuditRecorder.RecordEntryAsync"/>), carried out once recorded (the run or the child stored), and answered,
/// allowed or refused, by 8 (<see cref="AgentRouteResponder"/>). A state store or audit journal that fails anywhere in it
/// ends the request in a 503 refusal (fail closed).
/// </summary>
internal sealed class AgentRouteWalk : IEndpointFilter
{
    private readonly AgentRouteKind _route;

    public AgentRouteWalk(AgentRouteKind route) => _route = route;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var services = context.RequestServices;
        var respond = services.GetRequiredService<AgentRouteResponder>();
        AgentRouteOutcome outcome;
        try
        {
            if (await services.GetRequiredService<AgentRouteAdmission>().AdmitAsync(context, _route).ConfigureAwait(false))
            {
                await next(invocation).ConfigureAwait(false);
            }

            outcome = context.GatewayRequest().Get<AgentRouteOutcome>();
            if (outcome.Record is { } entry)
            {
                await services.GetRequiredService<AuditRecorder>().RecordEntryAsync(context, entry).ConfigureAwait(false);
            }
            else if (outcome.Refusal is { AuditTool: { } tool } refusal && context.GatewayRequest().Find<AuthenticatedRequest>()?.Identity is { } identity)
            {
                // A refusal of the admission that names an action (a delegation's rate limit), recorded under the agent.
                await services.GetRequiredService<AuditRecorder>().RecordRefusalAsync(context, identity, tool, refusal.Code, refusal.Status, refusal.ExplanationJson).ConfigureAwait(false);
            }

            if (outcome.Refusal is null && outcome.CarryOut is { } carryOut)
            {
                await carryOut(context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (StateStoreUnavailableException)
        {
            outcome = AgentRouteOutcome.Refused(Refusal.StoreUnavailable());
        }
        catch (AuditWriteException)
        {
            outcome = AgentRouteOutcome.Refused(Refusal.AuditUnavailable());
        }

        await respond.RespondAsync(context, outcome).ConfigureAwait(false);
        return Results.Empty;
    }
}
