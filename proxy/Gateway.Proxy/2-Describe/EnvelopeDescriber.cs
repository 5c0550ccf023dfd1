using Gateway.Policy;
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
/// <param name="facts">The facts the route states about every action it describes.</param>
/// <param name="refuse">The route's own refusal of the action read; null when it goes on.</param>
internal sealed class EnvelopeDescriber(PolicyProvider policy, Func<HttpRequest, ReadOnlyMemory<byte>, GovernedRequestReader.Result> read,
    EnvelopeDescriber.RouteFacts facts, Func<DescribedAction, Refusal?> refuse) : IRouteDescriber
{
    public ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated)
    {
        if (policy.TenantOf(authenticated.Identity) is not { } tenant)
        {
            return new((null, Refusal.PolicyUnavailable()));
        }

        var envelope = read(context.Request, authenticated.Body);
        if (envelope.Request is not { } request)
        {
            return new((null, envelope.Refusal));
        }

        // The action is made once, with the route's facts (#52: one record per request, not a copy per fact).
        var action = new DescribedAction(tenant, request)
        {
            Body = envelope.Body,
            DecideOnly = facts.DecideOnly,
            EntryMismatch = facts.EntryMismatch,
            CarriesModelRequest = facts.CarriesModelRequest,
            WritesItem = facts.WritesItem,
        };
        return new(refuse(action) is { } refused ? (null, refused) : (action, null));
    }

    /// <summary>What a route states about each action it describes (<see cref="DescribedAction"/>'s members of the same names).</summary>
    internal readonly record struct RouteFacts(bool DecideOnly = false, Func<CatalogEntry, string?>? EntryMismatch = null, bool CarriesModelRequest = false, bool WritesItem = false);
}
