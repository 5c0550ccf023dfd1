using System.Buffers;
using System.Text.Json;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Forward;

/// <summary>
/// A <c>tools/call</c> on <c>/mcp</c> whose MCP server answers with an event stream: the server's notifications
/// (<c>notifications/progress</c>, <c>notifications/message</c>) are passed on to the client as they arrive, redacted,
/// the response becoming an event stream at the first one; the whole body is kept (within the connector's limit) for
/// the reply, which the Respond stage writes as the stream's last event once the outcome is on record. Nothing else the
/// server sends is passed on: its requests to the client (sampling, elicitation) are not relayed on <c>/mcp</c> (docs/mcp.md).
/// </summary>
internal static class McpProgressRelay
{
    private const int ChunkBytes = 16 * 1024;

    /// <summary>
    /// Reads <paramref name="content"/> up to <paramref name="limit"/> bytes, relaying notifications; returns the body,
    /// whether more was left, and the method of a request the server sent the client (sampling, elicitation, roots),
    /// which stops the read: it is not relayed on <c>/mcp</c>, and the server would wait for its answer forever.
    /// </summary>
    public static async Task<(byte[] Body, bool More, string? ServerRequest)> ReadAsync(HttpContext context, HttpContent content, long limit, RedactionCounts counts, CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>(ChunkBytes);
        var framer = new SseFramer((int)Math.Min(limit, int.MaxValue));
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var read = await stream.ReadAsync(chunk.AsMemory(0, ChunkBytes), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (body.WrittenSpan.ToArray(), false, null);
                }

                if (body.WrittenCount + read > limit)
                {
                    return (body.WrittenSpan.ToArray(), true, null);
                }

                body.Write(chunk.AsSpan(0, read));
                var (notifications, serverRequest) = Read(framer, chunk.AsSpan(0, read), counts);
                foreach (var notification in notifications)
                {
                    await RelayAsync(context.Response, notification, cancellationToken).ConfigureAwait(false);
                }

                if (serverRequest is not null)
                {
                    return (body.WrittenSpan.ToArray(), false, serverRequest);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>The notifications the chunk completes (redacted), and the method of a request to the client among them.</summary>
    private static (List<byte[]> Notifications, string? ServerRequest) Read(SseFramer framer, ReadOnlySpan<byte> input, RedactionCounts counts)
    {
        var found = new List<byte[]>();
        while (framer.TryRead(ref input, out var sseEvent))
        {
            if (!sseEvent.Terminated || !sseEvent.HasData)
            {
                continue;
            }

            switch (Classify(sseEvent.Data, out var method))
            {
                case Message.Notification:
                    found.Add(JsonRedactor.Redact(sseEvent.Data, counts));
                    break;
                case Message.Request:
                    return (found, method);
            }
        }

        return (found, null);
    }

    private static Message Classify(ReadOnlySpan<byte> data, out string? method)
    {
        method = null;
        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("method"u8, out var m) || m.ValueKind != JsonValueKind.String)
            {
                return Message.Other;
            }

            method = m.GetString();
            return root.TryGetProperty("id"u8, out _) ? Message.Request
                : method is "notifications/progress" or "notifications/message" ? Message.Notification
                : Message.Other;
        }
        catch (JsonException)
        {
            return Message.Other;
        }
    }

    private enum Message
    {
        Other,
        Notification,
        Request,
    }

    private static async Task RelayAsync(HttpResponse response, byte[] notification, CancellationToken cancellationToken)
    {
        if (!response.HasStarted)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-store";
        }

        await response.Body.WriteAsync(SseMessageEvent.Frame(notification), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
