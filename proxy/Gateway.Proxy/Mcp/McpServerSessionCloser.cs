using Gateway.Proxy.Routing;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// Ends a session of the gateway's MCP server (the official SDK's) on this replica, as a client's <c>DELETE /mcp</c> would:
/// the SDK's own <c>DELETE</c> endpoint is run for it in-process, under the same agent, so that the session's memory and
/// its open <c>GET</c> stream go at once instead of at the idle timeout. The SDK offers no other way to end a session.
/// </summary>
internal sealed partial class McpServerSessionCloser
{
    private const string SessionHeader = "Mcp-Session-Id";

    /// <summary>The SDK's <c>DELETE /mcp</c> endpoint.</summary>
    private readonly CachedEndpoint _delete;
    private readonly ILogger<McpServerSessionCloser> _logger;

    public McpServerSessionCloser(EndpointDataSource endpoints, ILogger<McpServerSessionCloser> logger)
    {
        _delete = McpServerEndpointMetadata.Find(endpoints, HttpMethods.Delete);
        _logger = logger;
    }

    /// <summary>Ends the session <paramref name="sessionId"/> of the agent of <paramref name="context"/>, when this replica holds it.</summary>
    public async Task CloseAsync(HttpContext context, string sessionId)
    {
        if (_delete.Find()?.RequestDelegate is not { } delete)
        {
            return;
        }

        var closing = new DefaultHttpContext { RequestServices = context.RequestServices, User = context.User };
        closing.Request.Method = HttpMethods.Delete;
        closing.Request.Headers[SessionHeader] = sessionId;
        closing.Response.Body = Stream.Null;
        try
        {
            await delete(closing).ConfigureAwait(false);
            LogClosed(_logger, sessionId, closing.Response.StatusCode);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
            // The session is gone from the store and from the count already: the SDK forgets it at its idle timeout.
            LogNotClosed(_logger, sessionId, ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 4322, Level = LogLevel.Debug, Message = "MCP session {Session} ended at the MCP server ({Status})")]
    private static partial void LogClosed(ILogger logger, string session, int status);

    [LoggerMessage(EventId = 4323, Level = LogLevel.Warning, Message = "MCP session {Session} could not be ended at the MCP server ({Error}); it is forgotten at its idle timeout")]
    private static partial void LogNotClosed(ILogger logger, string session, string error);
}
