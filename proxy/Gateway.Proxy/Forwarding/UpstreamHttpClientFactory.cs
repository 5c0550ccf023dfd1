using Gateway.Connectors.Mcp;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy.Forwarding;

/// <summary>
/// The HTTP client of every connector cluster: YARP's pooled <see cref="SocketsHttpHandler"/> (no proxy,
/// redirects, cookies or automatic decompression), wrapped by the retry of connection failures
/// (<see cref="UpstreamRetryHandler"/>) and MCP session handling (<see cref="McpSessionHandler"/>).
/// </summary>
internal sealed class UpstreamHttpClientFactory : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectTimeout = TimeSpan.FromSeconds(10);
        handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2);
    }

    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
    {
        var wrapped = base.WrapHandler(context, handler);
        return new McpSessionHandler { InnerHandler = new UpstreamRetryHandler { InnerHandler = wrapped } };
    }
}
