using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describe for one of the agent protocol's own JSON envelope routes (<c>/v1/evaluate</c>, <c>/v1/actions/*</c>,
/// <see cref="EnvelopeRoutes"/>): the tenant's policy, the route's envelope read strictly (<see cref="GovernedRequestReader"/>),
/// and the action with the facts the route states about it (or a refusal of the route's own).
/// </summary>
/// <param name="policy">The policy in force.</param>
/// <param name="read">Reads the route's envelope.</param>
/// <param name="state">The action read, with the route's facts stated; or the route's refusal of it.</param>
internal sealed class EnvelopeDescriber(PolicyProvider policy, Func<HttpRequest, ReadOnlyMemory<byte>, GovernedRequestReader.Result> read,
    Func<DescribedAction, (DescribedAction? Action, Refusal? Refusal)> state) : IRouteDescriber
{
    public ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated)
    {
        if (policy.TenantOf(authenticated.Identity) is not { } tenant)
        {
            return new((null, Refusal.PolicyUnavailable()));
        }

        var envelope = read(context.Request, authenticated.Body);
        return new(envelope.Request is { } request ? state(new DescribedAction(tenant, request) { Body = envelope.Body }) : (null, envelope.Refusal));
    }
}
