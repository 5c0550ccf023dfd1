namespace Gateway.Proxy.Mcp;

/// <summary>The gateway's own MCP server: where it is served and the names its extensions use.</summary>
internal static class McpEndpoint
{
    /// <summary>The one MCP endpoint for every governed tool (streamable HTTP).</summary>
    public const string Path = "/mcp";

    /// <summary>The route kind of <c>/mcp</c> (its YARP route's metadata): every message on it walks the stages.</summary>
    public const string RouteKind = "Mcp";

    /// <summary>The tool a refusal of an <c>/mcp</c> message other than a tool call is recorded under.</summary>
    public const string AuditTool = "mcp";

    /// <summary>The YARP route id of <c>/mcp</c>.</summary>
    public const string RouteId = "gamut-mcp";

    /// <summary>
    /// <c>params._meta</c> key of a <c>tools/call</c> carrying an approval's warrant (the retry after a
    /// require_approval). Namespaced as the MCP specification asks of <c>_meta</c> keys.
    /// </summary>
    public const string WarrantMetaKey = "gamut.dev/warrant";

    /// <summary><c>_meta</c> key of a tool result or refusal carrying the decision.</summary>
    public const string DecisionMetaKey = "gamut.dev/decision";

    /// <summary><c>_meta</c> key of a tool result carrying the decision token the upstream received.</summary>
    public const string DecisionTokenMetaKey = "gamut.dev/decision_token";

    /// <summary><c>_meta</c> key of a tool result carrying the gateway's request id.</summary>
    public const string RequestIdMetaKey = "gamut.dev/request_id";

    /// <summary><c>_meta</c> key of a tool result or refusal carrying the decision's signed receipt (docs/evidence.md).</summary>
    public const string ReceiptMetaKey = "gamut.dev/receipt";
}
