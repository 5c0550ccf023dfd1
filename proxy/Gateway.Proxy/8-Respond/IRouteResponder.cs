using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Respond;

/// <summary>
/// A route kind's Respond: writes the answer of a request no stage refused, from the records the stages left (a decision
/// that answers or refuses, the result of one carried out). Registered as a keyed service under the kind's name; the
/// Respond stage records and writes refusals itself and picks the responder for everything else.
/// </summary>
internal interface IRouteResponder
{
    /// <summary>Writes the answer; a refusal it finds on the way (an upstream's failure) is added and written by the stage.</summary>
    ValueTask RespondAsync(HttpContext context, GatewayRequestFeature feature);
}
