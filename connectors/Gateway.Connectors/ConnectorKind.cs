namespace Gateway.Connectors;

/// <summary>The kind of a connector: which executor calls it and how its upstream is spoken to.</summary>
public enum ConnectorKind
{
    /// <summary>An OpenAI-compatible model API (<c>/chat/completions</c>, <c>/responses</c>).</summary>
    OpenAI,

    /// <summary>The Anthropic Messages API (<c>/messages</c>).</summary>
    Anthropic,

    /// <summary>A plain HTTP API called with a method and a path template.</summary>
    Http,

    /// <summary>A webhook receiver: a signed JSON POST.</summary>
    Webhook,

    /// <summary>An MCP server spoken to over streamable HTTP (transparent route).</summary>
    Mcp,

    /// <summary>One named tool of an <see cref="Mcp"/> connector, called with <c>tools/call</c>.</summary>
    McpTool,

    /// <summary>A context provider answering <c>GET ?scope=&amp;query=</c> with a bounded pack.</summary>
    Context,
}
