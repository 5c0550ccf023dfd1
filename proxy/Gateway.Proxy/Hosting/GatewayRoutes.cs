using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Routing;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The fixed agent routes of the YARP configuration, the ones an agent's path matches. Every one starts on
/// <see cref="ConnectorClusters.UnassignedCluster"/> and carries no transform of the gateway's: the pipeline's Enforce
/// stage moves a decided request onto its connector's route and cluster (<see cref="ConnectorRoutes"/>), whose transforms
/// send it, so a request that was not decided has nowhere to go (the unassigned cluster has no destinations).
/// </summary>
internal static class GatewayRoutes
{
    /// <summary>The routes.</summary>
    public static IReadOnlyList<RouteConfig> Build() =>
    [
        Native("gamut-evaluate", "/v1/evaluate", GatewayRouteKind.Evaluate),
        Native("gamut-invoke-tool", "/v1/actions/invoke-tool", GatewayRouteKind.InvokeTool),
        Native("gamut-model", "/v1/actions/model", GatewayRouteKind.Model),
        Native("gamut-context", "/v1/actions/context", GatewayRouteKind.Context),
        Native("gamut-writeback", "/v1/actions/writeback", GatewayRouteKind.Writeback),
        Native("gamut-a2a", "/a2a/{connector}", GatewayRouteKind.A2a),
        Route("gamut-providers", "/providers/{connector}/{**path}", null, GatewayRouteKind.Provider),
    ];

    private static RouteConfig Native(string id, string path, GatewayRouteKind kind) => Route(id, path, ["POST"], kind);

    private static RouteConfig Route(string id, string path, string[]? methods, GatewayRouteKind kind) => KindRoute(id, path, methods, kind.ToString());

    /// <summary>An agent route of the route kind <paramref name="kind"/> (registered with <see cref="RouteKindServiceCollectionExtensions.AddRouteKind"/>).</summary>
    public static RouteConfig KindRoute(string id, string path, string[]? methods, string kind) => new()
    {
        RouteId = id,
        ClusterId = ConnectorClusters.UnassignedCluster,

        Match = new RouteMatch { Path = path, Methods = methods },
        Metadata = new Dictionary<string, string> { [GatewayRouteKinds.MetadataKey] = kind },
        Transforms = [new Dictionary<string, string> { ["X-Forwarded"] = "Off" }],
    };
}
