using System.Net.Http.Headers;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>
/// On an MCP server's per-server route, sends the upstream's own session id in place of the agent's bound one
/// (<see cref="ProviderMcpSession"/>, verified by Describe); a request that names no session sends neither
/// <c>Mcp-Session-Id</c> nor <c>Last-Event-ID</c> (a stream id with no session is no agent's to resume). Of the agent's
/// <c>Mcp-Param-*</c> headers only those Describe found to agree with the body go on (<see cref="ProviderMcpSession.ParamHeaders"/>).
/// </summary>
internal sealed class McpSessionRequestTransform : RequestTransform
{
    /// <inheritdoc/>
    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var headers = context.ProxyRequest.Headers;
        headers.Remove(McpSessionTransformExtensions.SessionHeader);
        var session = context.HttpContext.GatewayRequest().Find<ProviderMcpSession>();
        if (session?.UpstreamSessionId is { } upstream)
        {
            headers.TryAddWithoutValidation(McpSessionTransformExtensions.SessionHeader, upstream);
        }
        else
        {
            headers.Remove(McpSessionTransformExtensions.LastEventIdHeader);
        }

        RemoveUndecidedParams(headers, session?.ParamHeaders);
        return ValueTask.CompletedTask;
    }

    private static void RemoveUndecidedParams(HttpRequestHeaders headers, IReadOnlySet<string>? agreeing)
    {
        List<string>? undecided = null;
        foreach (var header in headers.NonValidated)
        {
            if (header.Key.StartsWith(McpParamHeaders.Prefix, StringComparison.OrdinalIgnoreCase) && agreeing?.Contains(header.Key) != true)
            {
                (undecided ??= []).Add(header.Key);
            }
        }

        foreach (var name in undecided ?? [])
        {
            headers.Remove(name);
        }
    }
}
