using Gateway.Oversight;
using Gateway.Oversight.Approvals;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Where <c>GET /v1/approvals/{id}</c> is served: the agent's approval request as it stands (no-store: once approved it
/// carries the single-use warrant). Another agent's (or tenant's) request, or an id of no request, is 404: never someone
/// else's request.
/// </summary>
internal sealed class ApprovalPollDestination : ILocalDestination
{
    private readonly ApprovalService _approvals;

    public ApprovalPollDestination(ApprovalService approvals) => _approvals = approvals;

    public async Task ServeAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var identity = feature.Get<Admission>().Identity!;
        ApprovalPollResult? poll;
        try
        {
            poll = await _approvals.PollAsync(identity.Tenant, identity.Agent, feature.Get<ApprovalPolled>().Id, identity.RegisteredAgent, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            poll = null;
        }

        if (poll is null)
        {
            feature.Add(new Refusal(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "No such approval request for this agent."));
            return;
        }

        feature.Add(new LocalAnswer(Results.Json(poll, OversightJson.ApprovalPollResult, statusCode: StatusCodes.Status200OK)) { NoStore = true });
    }
}
