using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

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

    /// <summary>A refusal the stage is about to write, as this kind offers it (an MCP client's URL elicitation); by default as it is.</summary>
    ValueTask<Refusal> OfferAsync(HttpContext context, GatewayRequestFeature feature, Refusal refusal) => ValueTask.FromResult(refusal);
}
