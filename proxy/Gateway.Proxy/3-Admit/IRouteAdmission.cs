using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Admit;

/// <summary>
/// What a route kind admits beyond the request's one store call (<see cref="AdmissionGate"/>): its own limits (on
/// <c>/mcp</c>, the agent's calls in flight and its sessions). Registered as a keyed service under the kind's name; the
/// Admit stage calls it once the request is admitted, and never switches on the kind.
/// </summary>
internal interface IRouteAdmission
{
    /// <summary>Null when admitted (what it takes up is held until the request is answered), else the refusal.</summary>
    ValueTask<Refusal?> AdmitAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity);
}
