using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Proxy.Mcp;

namespace Gateway.Proxy.Forward;

/// <summary>
/// On an MCP server's cluster, a governed call (one marked for the gateway's session with the server, <see cref="McpSession"/>)
/// that the gateway ends before the server's answer arrived is cancelled at the server too, as MCP asks of a client that no
/// longer awaits an answer: a <c>notifications/cancelled</c> naming the id the gateway sent the call under and why
/// (<see cref="McpCallCancellation"/>), POSTed where the call went with the call's own headers (its <c>Mcp-Session-Id</c>, its
/// injected credential; not what describes the call alone: <c>Mcp-Method</c>, <c>Mcp-Name</c>, <c>Mcp-Param-*</c>,
/// <c>Last-Event-ID</c>, <c>Idempotency-Key</c>, conditions), best effort within <see cref="Timeout"/>, never awaited by the call.
/// A call is ended before its answer when its send is cancelled (its client's cancel, a kill switch, a revoked delegation, its
/// time out, its client gone from a route where that ends it) or, for an answer that comes as an event stream, when that
/// stream is let go before its end (<see cref="McpAnswerContent"/>: cancelled likewise, or given up as too large or unreadable).
/// An answer in one JSON body, or any status but 2xx, has arrived with its headers: nothing is sent for it. A server's
/// connection that fails is no cancellation of the gateway's. Sits inside <see cref="McpSessionHandler"/>, so that it sees each
/// request as sent, a call sent again on a new session included.
/// </summary>
internal sealed partial class McpCancelledNotifier(ILogger logger) : DelegatingHandler
{
    /// <summary>How long the server has to take the notification.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static readonly HashSet<string> NotCarried = new(StringComparer.OrdinalIgnoreCase)
    {
        "Mcp-Method", "Mcp-Name", "Last-Event-ID", "Idempotency-Key", "If-Match", "If-None-Match", "If-Modified-Since",
        "If-Unmodified-Since", "If-Range", "Range", "Expect", "Transfer-Encoding",
    };

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Options.TryGetValue(McpSession.OptionKey, out var marker))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var call = new ForwardedCall(this, request, marker);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            call.Ended();
            throw;
        }

        if (response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            // The answer is an event of the stream: it has arrived once the stream has ended.
            response.Content = McpAnswerContent.Of(response.Content, call);
        }

        return response;
    }

    /// <summary>Tells the server of <paramref name="call"/> (sent with <paramref name="marker"/>) that the gateway ended it; returns at once.</summary>
    private void Notify(HttpRequestMessage call, McpSession marker)
    {
        if (call.RequestUri is not { } endpoint || RequestIdOf(marker.Body) is not { } id)
        {
            return;
        }

        var reason = call.Options.TryGetValue(McpCallCancellation.OptionKey, out var why) ? why.Reason : McpCallCancellation.ByGateway;
        var notification = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Version = call.Version,
            VersionPolicy = call.VersionPolicy,
            Content = new ByteArrayContent(Notification(id, reason)),
        };
        notification.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        foreach (var header in call.Headers.NonValidated)
        {
            if (!NotCarried.Contains(header.Key) && !header.Key.StartsWith("Mcp-Param-", StringComparison.OrdinalIgnoreCase))
            {
                notification.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        if (call.Headers.NonValidated.Contains("Mcp-Method"))
        {
            notification.Headers.TryAddWithoutValidation("Mcp-Method", "notifications/cancelled");
        }

        // Beside the call, not in it: nothing of the call's context (its span, its request) goes with it.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => SendNotificationAsync(notification, marker.Server.Name));
        }
    }

    private async Task SendNotificationAsync(HttpRequestMessage notification, string server)
    {
        using (notification)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            try
            {
                using var response = await base.SendAsync(notification, timeout.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    LogNotTaken(logger, server, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                LogNotTaken(logger, server, ex.GetType().Name);
            }
        }
    }

    /// <summary>The raw JSON-RPC id of the call the gateway sent (its body); null when it has none.</summary>
    private static string? RequestIdOf(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var call = JsonDocument.Parse(body);
            return call.RootElement.ValueKind == JsonValueKind.Object && call.RootElement.TryGetProperty("id"u8, out var id)
                && id.ValueKind is JsonValueKind.String or JsonValueKind.Number
                    ? id.GetRawText()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] Notification(string id, string reason)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0");
            writer.WriteString("method"u8, "notifications/cancelled");
            writer.WriteStartObject("params"u8);
            writer.WritePropertyName("requestId"u8);
            writer.WriteRawValue(id);
            writer.WriteString("reason"u8, reason);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    [LoggerMessage(EventId = 4341, Level = LogLevel.Information, Message = "The MCP server {Server} did not take notifications/cancelled for a call the gateway ended ({Error}); the call may run on there")]
    private static partial void LogNotTaken(ILogger logger, string server, string error);

    /// <summary>One governed call on its way: its answer arrived, or it was ended before (the server told, once).</summary>
    internal sealed class ForwardedCall(McpCancelledNotifier notifier, HttpRequestMessage request, McpSession marker)
    {
        private int _state;

        /// <summary>The server's answer arrived: nothing is cancelled from now on.</summary>
        public void Answered() => Interlocked.CompareExchange(ref _state, 1, 0);

        /// <summary>The gateway let the call go: unless its answer arrived, the server is told (once).</summary>
        public void Ended()
        {
            if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
            {
                notifier.Notify(request, marker);
            }
        }
    }
}
