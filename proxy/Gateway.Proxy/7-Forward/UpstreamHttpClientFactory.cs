using Gateway.Connectors.Kinds;
using Gateway.Connectors.Mcp;
using Gateway.Proxy.Routing;
using Gateway.Proxy.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// The HTTP client of every connector cluster: YARP's pooled <see cref="SocketsHttpHandler"/> (no proxy,
/// redirects, cookies or automatic decompression), wrapped by the retry of connection failures
/// (<see cref="UpstreamRetryHandler"/>) and, for MCP servers' clusters only, the session of the gateway's MCP client with
/// the server put on each governed call (<see cref="McpSessionHandler"/>) and, inside it, the server told of each such call
/// the gateway ends before its answer (<see cref="McpCancelledNotifier"/>). When no traces are exported the client has no
/// trace propagator: the gateway's spans go nowhere, so none is created for the call and no <c>traceparent</c> of the
/// gateway's is written (an agent's own trace context still crosses as it sent it: the header allowlist lets it through).
/// </summary>
internal sealed class UpstreamHttpClientFactory(McpServerToolLists mcpSessions, ILogger<ForwarderHttpClientFactory> logger, ILoggerFactory loggers, TelemetrySettings? telemetry = null)
    : ForwarderHttpClientFactory(logger)
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectTimeout = TimeSpan.FromSeconds(10);
        handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2);
        if (telemetry is { Traces: null })
        {
            handler.ActivityHeadersPropagator = null;
        }
    }

    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
    {
        HttpMessageHandler wrapped = new UpstreamRetryHandler { InnerHandler = base.WrapHandler(context, handler) };

        // Only an MCP server's cluster keeps sessions; every other request skips the handler entirely.
        var mcp = ConnectorClusters.KindOf(context.NewMetadata) is { } kind && ConnectorTypes.Of(kind).IsMcpServer;
        return mcp
            ? new McpSessionHandler(mcpSessions) { InnerHandler = new McpCancelledNotifier(loggers.CreateLogger<McpCancelledNotifier>()) { InnerHandler = wrapped } }
            : wrapped;
    }
}
