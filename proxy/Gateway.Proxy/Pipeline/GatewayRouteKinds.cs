using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Pipeline;

/// <summary>Reads the <see cref="GatewayRouteKind"/> a YARP route declares in its metadata.</summary>
internal static class GatewayRouteKinds
{
    /// <summary>The route metadata key naming the <see cref="GatewayRouteKind"/>.</summary>
    public const string MetadataKey = "GamutRoute";

    /// <summary>The route kind a matched route declares, or null for a route that is not the gateway's.</summary>
    public static GatewayRouteKind? Of(RouteConfig route) =>
        route.Metadata is { } metadata && metadata.TryGetValue(MetadataKey, out var text) && Enum.TryParse<GatewayRouteKind>(text, out var kind)
            ? kind
            : null;
}
