using Gateway.Oversight.Approvals;
using Gateway.Oversight;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// <c>GET /v1/approvals/{id}</c>: the requesting agent polls its approval request; once approved, the
/// response carries the single-use warrant. Another agent (or tenant) sees 404, not someone else's request.
/// The handler decides; the walk (<see cref="AgentRouteWalk"/>) admits and answers.
/// </summary>
internal sealed class ApprovalPollHandler
{
    private readonly ApprovalService _approvals;

    public ApprovalPollHandler(ApprovalService approvals) => _approvals = approvals;

    public async Task HandleAsync(HttpContext context, string id)
    {
        var feature = context.GatewayRequest();
        var identity = feature.Get<AuthenticatedRequest>().Identity;
        ApprovalPollResult? poll;
        try
        {
            poll = await _approvals.PollAsync(identity.Tenant, identity.Agent, id, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            poll = null;
        }

        feature.Add(poll is null
            ? AgentRouteOutcome.Refused(new Refusal(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "No such approval request for this agent."))
            : AgentRouteOutcome.Allowed(Results.Json(poll, OversightJson.ApprovalPollResult, statusCode: StatusCodes.Status200OK), noStore: true));
    }
}
