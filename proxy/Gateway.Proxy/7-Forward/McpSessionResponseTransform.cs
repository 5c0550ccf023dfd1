using Gateway.Proxy.Describe;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>
/// On an MCP server's per-server route, gives the agent the session id of the upstream's answer bound to it
/// (<see cref="McpSessionBinding"/>): <c>S.&lt;mac&gt;</c> for the caller, the server and <c>S</c>. Without the
/// caller's record (<see cref="ProviderMcpSession"/>) no session id is passed on.
/// </summary>
internal sealed class McpSessionResponseTransform(McpSessionBinding binding) : ResponseTransform
{
    /// <inheritdoc/>
    public override ValueTask ApplyAsync(ResponseTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var headers = context.HttpContext.Response.Headers;
        if (headers[McpSessionTransformExtensions.SessionHeader] is not { Count: > 0 } upstream)
        {
            return ValueTask.CompletedTask;
        }

        headers.Remove(McpSessionTransformExtensions.SessionHeader);
        if (upstream.Count == 1 && !string.IsNullOrEmpty(upstream[0])
            && context.HttpContext.GatewayRequest().Find<ProviderMcpSession>() is { } session)
        {
            headers[McpSessionTransformExtensions.SessionHeader] = binding.Bind(session.Owner, upstream[0]!);
        }

        return ValueTask.CompletedTask;
    }
}
