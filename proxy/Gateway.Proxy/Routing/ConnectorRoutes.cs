using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Routing;

/// <summary>
/// The names of a connector's own YARP routes: two per connector cluster, its provider route and its native route (every
/// governed action: invoke-tool, model, context, writeback, a call on <c>/mcp</c>), built with their transforms by
/// <c>7-Forward/ConnectorRouteConfigs.cs</c>. No agent request matches one by its path (<see cref="IsConnectorRoute"/>:
/// the endpoint suppresses matching); the Enforce stage moves a decided request onto its connector's route and cluster.
/// </summary>
internal static class ConnectorRoutes
{
    /// <summary>Route metadata marking a connector's route (its value: the cluster).</summary>
    public const string MetadataKey = "GamutConnectorRoute";

    /// <summary>The path a connector route declares; never matched.</summary>
    public const string UnmatchedPath = "/.gamut/connector-route";

    /// <summary>
    /// The id of the route a request is sent on to the connector cluster <paramref name="clusterId"/>: the provider route's
    /// when its body passes through as the client sent it (<paramref name="passesBodyThrough"/>), else the native route's (an envelope).
    /// </summary>
    public static string IdOf(string clusterId, bool passesBodyThrough) =>
        clusterId + (passesBodyThrough ? "|provider" : "|native");

    /// <summary>True for a connector's route (never matched by an agent's path).</summary>
    public static bool IsConnectorRoute(RouteConfig route) => route.Metadata?.ContainsKey(MetadataKey) == true;
}
