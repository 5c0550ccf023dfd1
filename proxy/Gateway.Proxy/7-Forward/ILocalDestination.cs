using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Where a route kind that forwards nothing is served: the in-process handler that stands in for YARP's forwarder once
/// the request is enforced (a run stored, a child issued, the MCP server's own message). Registered as a keyed service
/// under the kind's name; the Forward stage calls it in place of YARP. Like an upstream it adds what it answered for
/// Respond to write, or writes a streamed answer itself, as YARP's forwarder does.
/// </summary>
internal interface ILocalDestination
{
    /// <summary>Serves the enforced request.</summary>
    Task ServeAsync(HttpContext context, GatewayRequestFeature feature);
}
