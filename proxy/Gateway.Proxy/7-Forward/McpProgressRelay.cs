using System.Buffers;
using System.Text.Json;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;

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

    /// <summary>Reads <paramref name="content"/> up to <paramref name="limit"/> bytes, relaying notifications; returns the body and whether more was left.</summary>
    public static async Task<(byte[] Body, bool More)> ReadAsync(HttpContext context, HttpContent content, long limit, RedactionCounts counts, CancellationToken cancellationToken)
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
                    return (body.WrittenSpan.ToArray(), false);
                }

                if (body.WrittenCount + read > limit)
                {
                    return (body.WrittenSpan.ToArray(), true);
                }

                body.Write(chunk.AsSpan(0, read));
                foreach (var notification in Notifications(framer, chunk.AsSpan(0, read), counts))
                {
                    await RelayAsync(context.Response, notification, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>The notifications the chunk completes, redacted.</summary>
    private static List<byte[]> Notifications(SseFramer framer, ReadOnlySpan<byte> input, RedactionCounts counts)
    {
        List<byte[]>? found = null;
        while (framer.TryRead(ref input, out var sseEvent))
        {
            if (sseEvent.Terminated && sseEvent.HasData && IsNotification(sseEvent.Data))
            {
                (found ??= []).Add(JsonRedactor.Redact(sseEvent.Data, counts));
            }
        }

        return found ?? [];
    }

    private static bool IsNotification(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && !root.TryGetProperty("id"u8, out _)
                && root.TryGetProperty("method"u8, out var method) && method.ValueKind == JsonValueKind.String
                && method.GetString() is "notifications/progress" or "notifications/message";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task RelayAsync(HttpResponse response, byte[] notification, CancellationToken cancellationToken)
    {
        if (!response.HasStarted)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-store";
        }

        await response.Body.WriteAsync("event: message\ndata: "u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await response.Body.WriteAsync(notification, cancellationToken).ConfigureAwait(false);
        await response.Body.WriteAsync("\n\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
