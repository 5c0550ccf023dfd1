namespace Gateway.Proxy.Pipeline;

/// <summary>The agent routes the governance pipeline serves; each YARP route carries one in its metadata.</summary>
internal enum GatewayRouteKind
{
    /// <summary><c>POST /v1/evaluate</c>: decide only, nothing forwarded.</summary>
    Evaluate,

    /// <summary><c>POST /v1/actions/invoke-tool</c>.</summary>
    InvokeTool,

    /// <summary><c>POST /v1/actions/model</c>.</summary>
    Model,

    /// <summary><c>POST /v1/actions/context</c>.</summary>
    Context,

    /// <summary><c>POST /v1/actions/writeback</c>: an item written to a workspace store (a <c>write</c> on its context connector).</summary>
    Writeback,

    /// <summary><c>ANY /providers/{connector}/{**path}</c>: the transparent route for provider-native clients.</summary>
    Provider,

    /// <summary>
    /// A governed message on <c>POST /mcp</c>, the gateway's own MCP server: a <c>tools/call</c> (an invoke-tool of the
    /// catalog entry the tool's name resolves to), a <c>prompts/get</c> or a <c>resources/read</c> (an action on the MCP
    /// server's entry), read from the JSON-RPC request and answered in JSON-RPC. The route kind of <c>/mcp</c>
    /// (<c>2-Describe/McpDescriber.cs</c>) describes these as actions of this kind; it serves every other message itself.
    /// </summary>
    McpCall,

    /// <summary>
    /// <c>POST /a2a/{connector}</c>: an A2A JSON-RPC request to a remote agent (kind <c>a2a</c>), a message decided as the
    /// <c>a2a_skill</c> entry of its skill, a task operation as the agent's entry; answered in JSON-RPC (docs/a2a.md).
    /// </summary>
    A2a,
}
