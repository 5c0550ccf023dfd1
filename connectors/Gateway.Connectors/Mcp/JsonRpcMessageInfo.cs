namespace Gateway.Connectors.Mcp;

/// <summary>One JSON-RPC 2.0 message of an MCP request.</summary>
/// <param name="Method">The method (<c>tools/call</c>, <c>tools/list</c>, …); null for a response sent by the client.</param>
/// <param name="Id">The id as raw JSON text (<c>1</c>, <c>"abc"</c>); null for a notification.</param>
/// <param name="ToolName">For <c>tools/call</c>: <c>params.name</c>.</param>
public sealed record JsonRpcMessageInfo(string? Method, string? Id, string? ToolName)
{
    /// <summary>True when the message expects no response.</summary>
    public bool IsNotification => Id is null && Method is not null;

    /// <summary>True for <c>tools/call</c>.</summary>
    public bool IsToolCall => Method == "tools/call";
}

/// <summary>A parsed MCP (JSON-RPC 2.0) request body: one message or a batch.</summary>
/// <param name="IsBatch">True when the body was an array.</param>
/// <param name="Messages">The messages in order.</param>
public sealed record McpRequest(bool IsBatch, IReadOnlyList<JsonRpcMessageInfo> Messages)
{
    /// <summary>Every tool named by a <c>tools/call</c> in the request.</summary>
    public IEnumerable<string> ToolNames => Messages.Where(m => m.IsToolCall && m.ToolName is not null).Select(m => m.ToolName!);
}
