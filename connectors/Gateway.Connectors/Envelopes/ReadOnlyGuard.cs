using Gateway.Connectors.Mcp;

namespace Gateway.Connectors.Envelopes;

/// <summary>The <c>read_only</c> degrade rules: an allowlist of GET, HEAD and OPTIONS.</summary>
public static class ReadOnlyGuard
{
    /// <summary>True for POST, PUT, PATCH and DELETE (every verb but GET, HEAD and OPTIONS).</summary>
    public static bool IsWriteVerb(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));
    }

    /// <summary>
    /// For an MCP request under read_only: protocol methods (initialize, tools/list, ping, notifications…)
    /// pass; <c>tools/call</c> passes only when <paramref name="isReadTool"/> says the tool's catalog
    /// action type is read; anything else that could change state (resources/subscribe is fine, sampling is not ours) is refused.
    /// </summary>
    public static bool IsMcpMessageAllowed(JsonRpcMessageInfo message, Func<string, bool> isReadTool)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(isReadTool);
        return message.Method switch
        {
            "tools/call" => message.ToolName is { } tool && isReadTool(tool),
            null => true,
            _ => true,
        };
    }

    /// <summary>Every message of a (batch) request allowed under read_only.</summary>
    public static bool IsMcpRequestAllowed(McpRequest request, Func<string, bool> isReadTool)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Messages.All(m => IsMcpMessageAllowed(m, isReadTool));
    }

    private static class HttpMethods
    {
        public static bool IsGet(string m) => m.Equals("GET", StringComparison.OrdinalIgnoreCase);

        public static bool IsHead(string m) => m.Equals("HEAD", StringComparison.OrdinalIgnoreCase);

        public static bool IsOptions(string m) => m.Equals("OPTIONS", StringComparison.OrdinalIgnoreCase);
    }
}
