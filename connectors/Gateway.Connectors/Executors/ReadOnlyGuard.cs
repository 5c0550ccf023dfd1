using Gateway.Connectors.Mcp;

namespace Gateway.Connectors.Executors;

/// <summary>The <c>read_only</c> degrade rules, for executors and for the host's transparent routes.</summary>
public static class ReadOnlyGuard
{
    /// <summary>True for POST, PUT, PATCH and DELETE (and any verb that is not GET/HEAD/OPTIONS/TRACE).</summary>
    public static bool IsWriteVerb(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));
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

    /// <summary>Throws <see cref="DegradeRefusedException"/> when a call is not allowed under read_only.</summary>
    internal static void Enforce(ConnectorDefinition connector, ConnectorCall call, string method)
    {
        if (call.DegradeMode != DegradeMode.ReadOnly)
        {
            return;
        }

        var allowed = connector.Kind switch
        {
            ConnectorKind.Http => !IsWriteVerb(method),
            ConnectorKind.McpTool or ConnectorKind.Webhook or ConnectorKind.Mcp => call.IsReadAction,
            _ => true,
        };
        if (!allowed)
        {
            throw new DegradeRefusedException($"connector '{connector.Name}' is degraded to read_only; this call would write.");
        }
    }

    private static class HttpMethods
    {
        public static bool IsGet(string m) => m.Equals("GET", StringComparison.OrdinalIgnoreCase);

        public static bool IsHead(string m) => m.Equals("HEAD", StringComparison.OrdinalIgnoreCase);

        public static bool IsOptions(string m) => m.Equals("OPTIONS", StringComparison.OrdinalIgnoreCase);

        public static bool IsTrace(string m) => m.Equals("TRACE", StringComparison.OrdinalIgnoreCase);
    }
}
