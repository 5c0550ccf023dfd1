using Gateway.Proxy.Routing;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// Marks the MCP server's own endpoints on <c>/mcp</c> (the official SDK's): routing never matches them (the route of kind
/// <see cref="McpEndpoint.RouteKind"/> does); the kind's local destination invokes them in process.
/// </summary>
internal sealed class McpServerEndpointMetadata
{
    public static readonly McpServerEndpointMetadata Instance = new();

    private McpServerEndpointMetadata()
    {
    }

    /// <summary>The MCP server's endpoint on <c>/mcp</c> itself (not a legacy path below it) for <paramref name="method"/>.</summary>
    public static CachedEndpoint Find(EndpointDataSource endpoints, string method) =>
        new(endpoints, endpoint => endpoint.Metadata.GetMetadata<McpServerEndpointMetadata>() is not null
            && endpoint is RouteEndpoint { RoutePattern.PathSegments.Count: 1 }
            && endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains(method, StringComparer.OrdinalIgnoreCase) == true);
}
