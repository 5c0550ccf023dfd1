using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describes <c>GET /v1/approvals/{id}</c>, the requesting agent's poll of its approval request: admitted like any request
/// (nonce, kill switches), recorded as nothing, answered by its local destination (the request's state, once approved
/// with its single-use warrant). Its record is the id the path names (<see cref="ApprovalPolled"/>).
/// </summary>
internal sealed class ApprovalPollDescriber : IRouteDescriber
{
    public ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated)
    {
        feature.Add(new ApprovalPolled(context.GetRouteValue("id") as string ?? string.Empty));
        feature.Add(new LocalAction(null, LocalAdmission.Request));
        return ValueTask.FromResult<(DescribedAction?, Refusal?)>((null, null));
    }
}
