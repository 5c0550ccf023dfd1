using System.Text.Json;
using Gateway.Connectors.Kinds;
using Gateway.Connectors.Mcp;
using Gateway.Policy;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Describe;

/// <summary>
/// The Describe stage's record: the action policy decides, on which route, in which tenant. On the
/// provider route it also carries the canonical target, the operation it maps to, and for an MCP
/// server the JSON-RPC request; the body is parsed here once and later stages read the parse.
/// </summary>
internal sealed record DescribedAction(GatewayRouteKind Route, TenantPolicy Tenant, ActionRequest Request)
{
    /// <summary>Provider route: the canonical target (path and query exactly as signed).</summary>
    public ProviderTarget? Target { get; init; }

    /// <summary>Provider route: the operation of the connector's kind the request maps to.</summary>
    public ProviderOperation? Operation { get; init; }

    /// <summary>Provider route to an MCP server: the JSON-RPC request.</summary>
    public McpRequest? Mcp { get; init; }

    /// <summary><c>/mcp</c>: a prompt or resource request as its MCP server receives it (null for a tool call).</summary>
    public McpServerCall? McpServerCall { get; init; }

    /// <summary>
    /// The whole request body, parsed here once (Undefined when it is not JSON or not read as such):
    /// later stages read it instead of parsing the bytes again.
    /// </summary>
    public JsonElement Body { get; init; }

    /// <summary>
    /// A model call's request object: the provider route's body, or the native model route's
    /// <c>request</c> member, which the action's arguments are (Undefined for any other route).
    /// </summary>
    public JsonElement ModelRequest => Route is GatewayRouteKind.Provider or GatewayRouteKind.Model ? Request.Args : default;
}
