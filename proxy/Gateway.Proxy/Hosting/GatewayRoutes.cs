using Gateway.Connectors.Injection;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Configuration;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The fixed agent routes of the YARP configuration. Every one starts on <see cref="UnassignedCluster"/>:
/// the pipeline's Enforce stage assigns the decided connector's cluster, so a request that was not
/// decided has nowhere to go (the unassigned cluster has no destinations).
/// </summary>
internal static class GatewayRoutes
{
    /// <summary>The route metadata key naming the <see cref="GatewayRouteKind"/>.</summary>
    public const string KindKey = "GamutRoute";

    /// <summary>The cluster every route points at until a decision assigns the connector's cluster.</summary>
    public const string UnassignedCluster = "gamut-unassigned";

    /// <summary>The route kind a matched route declares, or null for a route that is not the gateway's.</summary>
    public static GatewayRouteKind? KindOf(RouteConfig route) =>
        route.Metadata is { } metadata && metadata.TryGetValue(KindKey, out var text) && Enum.TryParse<GatewayRouteKind>(text, out var kind)
            ? kind
            : null;

    /// <summary>The routes, with the transforms each carries (built by the factories in <c>Transforms/</c>).</summary>
    public static IReadOnlyList<RouteConfig> Build() =>
    [
        Native("gamut-evaluate", "/v1/evaluate", GatewayRouteKind.Evaluate),
        Native("gamut-invoke-tool", "/v1/actions/invoke-tool", GatewayRouteKind.InvokeTool),
        Native("gamut-model", "/v1/actions/model", GatewayRouteKind.Model),
        Native("gamut-context", "/v1/actions/context", GatewayRouteKind.Context),
        Route("gamut-providers", "/providers/{connector}/{**path}", null, GatewayRouteKind.Provider)
            .WithTransformHeaderAllowlist()
            .WithTransformCredentialInjection()
            .WithTransformUpstreamEnvelope()
            .WithTransformProviderBody(),
    ];

    private static RouteConfig Native(string id, string path, GatewayRouteKind kind) =>
        Route(id, path, ["POST"], kind)
            .WithTransformCopyResponseHeaders(copy: false)
            .WithTransformHeaderAllowlist()
            .WithTransformCredentialInjection()
            .WithTransformUpstreamEnvelope()
            .WithTransformGovernedResult();

    private static RouteConfig Route(string id, string path, string[]? methods, GatewayRouteKind kind) => new()
    {
        RouteId = id,
        ClusterId = UnassignedCluster,

        // Chosen by the route, not the path's spelling: every agent route needs the agent's signature.
        AuthorizationPolicy = AgentSignatureDefaults.AuthorizationPolicy,
        Match = new RouteMatch { Path = path, Methods = methods },
        Metadata = new Dictionary<string, string> { [KindKey] = kind.ToString() },
        Transforms = [new Dictionary<string, string> { ["X-Forwarded"] = "Off" }],
    };
}
