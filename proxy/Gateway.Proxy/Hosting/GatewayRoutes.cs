using Gateway.Connectors.Injection;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Routing;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The fixed agent routes of the YARP configuration. Every one starts on <see cref="ConnectorClusters.UnassignedCluster"/>:
/// the pipeline's Enforce stage assigns the decided connector's cluster, so a request that was not
/// decided has nowhere to go (the unassigned cluster has no destinations).
/// </summary>
internal static class GatewayRoutes
{
    /// <summary>The routes, with the transforms each carries (built by the factories in <c>Transforms/</c>).</summary>
    public static IReadOnlyList<RouteConfig> Build() =>
    [
        Native("gamut-evaluate", "/v1/evaluate", GatewayRouteKind.Evaluate),
        Native("gamut-invoke-tool", "/v1/actions/invoke-tool", GatewayRouteKind.InvokeTool),
        Native("gamut-model", "/v1/actions/model", GatewayRouteKind.Model),
        Native("gamut-context", "/v1/actions/context", GatewayRouteKind.Context),
        Native("gamut-writeback", "/v1/actions/writeback", GatewayRouteKind.Writeback),

        // Never chosen by routing (the MCP server's own endpoint on /mcp comes first): McpEndpointGate hands a
        // governed call (a tool call, a prompt, a resource read) to it after authentication: it walks the same stages as invoke-tool.
        Native(McpEndpoint.CallRouteId, McpEndpoint.Path, GatewayRouteKind.McpCall) with { Order = McpEndpoint.CallRouteOrder },
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
        ClusterId = ConnectorClusters.UnassignedCluster,

        // Chosen by the route, not the path's spelling: every agent route needs the agent's signature.
        AuthorizationPolicy = AgentSignatureDefaults.AuthorizationPolicy,
        Match = new RouteMatch { Path = path, Methods = methods },
        Metadata = new Dictionary<string, string> { [GatewayRouteKinds.MetadataKey] = kind.ToString() },
        Transforms = [new Dictionary<string, string> { ["X-Forwarded"] = "Off" }],
    };
}
