using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// A route kind's Describe: reads its authenticated request into the action the later stages decide, or refuses it.
/// Registered as a keyed service under the kind's name (<see cref="GatewayRouteKinds.MetadataKey"/> in the route's
/// metadata); the Describe stage picks it by that name and never switches on the kind.
/// </summary>
internal interface IRouteDescriber
{
    /// <summary>
    /// The described action, or the refusal; it may settle the request's dialect and JSON-RPC id. A kind the gateway serves
    /// itself adds its <see cref="LocalAction"/> to <paramref name="feature"/> and returns neither.
    /// </summary>
    ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated);
}
