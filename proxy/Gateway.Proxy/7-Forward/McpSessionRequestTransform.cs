using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>
/// On an MCP server's per-server route, sends the upstream's own session id in place of the agent's bound one
/// (<see cref="ProviderMcpSession"/>, verified by Describe); a request that names no session sends neither
/// <c>Mcp-Session-Id</c> nor <c>Last-Event-ID</c> (a stream id with no session is no agent's to resume).
/// </summary>
internal sealed class McpSessionRequestTransform : RequestTransform
{
    /// <inheritdoc/>
    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var headers = context.ProxyRequest.Headers;
        headers.Remove(McpSessionTransformExtensions.SessionHeader);
        if (context.HttpContext.GatewayRequest().Find<ProviderMcpSession>()?.UpstreamSessionId is { } upstream)
        {
            headers.TryAddWithoutValidation(McpSessionTransformExtensions.SessionHeader, upstream);
        }
        else
        {
            headers.Remove(McpSessionTransformExtensions.LastEventIdHeader);
        }

        return ValueTask.CompletedTask;
    }
}
