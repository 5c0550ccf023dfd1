namespace Gateway.Proxy.Mcp;

/// <summary>How a pinned MCP tool's served definition compares with its pin.</summary>
internal enum McpToolPinState
{
    /// <summary>No pin, or the served definition matches it.</summary>
    Trusted,

    /// <summary>The server serves a definition whose digest is not the pin, or no longer serves the tool.</summary>
    Drifted,

    /// <summary>The server could not be asked: a pinned tool cannot be trusted, so it is refused (fail closed).</summary>
    Unverifiable,
}

/// <summary>The check of one tool: its state and, when drifted, the digest served (null when the tool is gone).</summary>
internal readonly record struct McpToolPin(McpToolPinState State, string? ServedDigest);
