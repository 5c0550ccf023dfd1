using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Pipeline;

/// <summary>Reads the route kind a YARP route declares in its metadata.</summary>
internal static class GatewayRouteKinds
{
    /// <summary>The route metadata key naming the route kind.</summary>
    public const string MetadataKey = "GamutRoute";

    /// <summary>
    /// The name of the route kind a matched route declares (the key its describer, responder and local destination are
    /// registered under), or null for a route that is not the gateway's.
    /// </summary>
    public static string? NameOf(RouteConfig route) =>
        route.Metadata is { } metadata && metadata.TryGetValue(MetadataKey, out var name) ? name : null;
}
