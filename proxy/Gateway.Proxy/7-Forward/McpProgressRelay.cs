using System.Buffers;
using System.Text.Json;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;
using Gateway.Oversight;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Forward;

/// <summary>
/// A governed call on <c>/mcp</c> whose MCP server answers with an event stream: what the server sends the client before
/// its answer is passed on as it arrives, the response becoming an event stream at the first message. Its
/// notifications (<c>notifications/progress</c>, <c>notifications/message</c>) go as they are; its requests to the client
/// (<c>sampling/createMessage</c>, <c>elicitation/create</c>, and no other) go under an id of the gateway's own (a sampling request asking for no
/// context), kept with where the answer goes (<see cref="McpServerRequests"/>, before the request is passed on: the exception <see cref="Enforce.ForwardPlan"/> states), so that the client's answer, posted to <c>/mcp</c>, reaches the server on
/// the session that asked. Each is an event of the call's stream (<see cref="McpCallStream"/>: numbered and kept, so
/// that a client whose connection is cut resumes it). Any other request of the server (<c>roots/list</c>) is answered to
/// it, never the client, as method-not-found (<see cref="McpAnswerRelay.RefuseAsync"/>). Nothing else is passed on. Each event passed on is redacted by the
/// provider route's streamed redactor of an MCP server's stream (<see cref="SseBodyRedactor"/> without hold-back: each
/// event whole, at once), the one streamed redaction of the gateway; it is read for its method and the server's id before
/// redaction, so that an id never changes on its way back, and only when its data is one JSON value (<see cref="ParseWhole"/>:
/// one with bytes after it is no message for the client). The whole body is kept as it came (within the connector's
/// limit) for the reply, which <c>ConnectorResultReader</c> redacts as it redacts every JSON-RPC reply and the Respond
/// stage writes as the stream's last event once the outcome is on record. A read that fails (the call cancelled or out of
/// the session's time, the server's stream stalled or broken, an event redaction cannot read, any other failure) is the refusal
/// <see cref="Ended"/> says, which the Respond stage records as the outcome (invoked, not completed) and writes as the
/// stream's last event.
/// </summary>
internal static class McpProgressRelay
{
    private const int ChunkBytes = 16 * 1024;

    /// <summary>
    /// Reads <paramref name="content"/> up to <paramref name="limit"/> bytes, relaying what the server sends the client
    /// meanwhile; returns the body and whether more was left. <paramref name="refuse"/> answers the server's request
    /// whose raw id it is given, one the client is not asked.
    /// </summary>
    public static async Task<(byte[] Body, bool More)> ReadAsync(HttpContext context, HttpContent content, long limit, RedactionCounts counts,
        McpServerRequests requests, McpCallOrigin origin, Func<string, CancellationToken, ValueTask> refuse, CancellationToken cancellationToken)
    {
        var events = context.GatewayRequest().Get<McpCallStream>();
        var body = new ArrayBufferWriter<byte>(ChunkBytes);
        var maxEventBytes = (int)Math.Min(limit, int.MaxValue);
        var framer = new SseFramer(maxEventBytes);
        var redactor = new SseBodyRedactor(counts, maxEventBytes, holdSplitValues: false);
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
                foreach (var message in Read(framer, chunk.AsSpan(0, read), redactor))
                {
                    if (message.RequestId is { } asked && !IsRelayedRequest(message.Method))
                    {
                        await refuse(asked, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    var relayed = message.RequestId is { } id
                        ? await requests.HoldAsync(origin, id, message.Method, message.Json, cancellationToken).ConfigureAwait(false)
                        : message.Json;
                    await events.WriteAsync(context.Response, relayed, last: false, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // It held the upstream's bytes before redaction.
            ArrayPool<byte>.Shared.Return(chunk, clearArray: true);
        }
    }

    /// <summary>
    /// The refusal a failed <see cref="ReadAsync"/> is, for the outcome (invoked, not completed) and the stream's last event:
    /// whatever ended the read, the call's outcome is recorded (never left unknown by an exception out of the response transform).
    /// </summary>
    internal static Refusal Ended(Exception exception, HttpContext context) => exception switch
    {
        // An event redaction cannot read (or one beyond the limit): nothing unredacted is passed on.
        InvalidDataException or JsonException => UpstreamResponse.Uninspectable,

        // The request's lifetime is the call's (McpCallLifetime): a client's notifications/cancelled or the session idle timeout.
        OperationCanceledException when context.RequestAborted.IsCancellationRequested => Cancelled,
        OperationCanceledException => TimedOut,
        IOException or HttpRequestException => Broke,
        _ => Unrelayable,
    };

    private static readonly Refusal Cancelled = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
        "The call was cancelled, or outlived the session idle timeout, before its MCP server answered; it was cut.");

    private static readonly Refusal TimedOut = new(StatusCodes.Status504GatewayTimeout, ProblemCodes.UpstreamTimeout,
        "The MCP server's stream went quiet for too long before it answered; it was cut.");

    private static readonly Refusal Broke = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
        "The MCP server's stream broke before it answered.");

    private static readonly Refusal Unrelayable = new(StatusCodes.Status502BadGateway, ProblemCodes.ResponseUninspectable,
        "The MCP server's stream carried a message the gateway could not relay; it was cut.");

    /// <summary>The messages for the client that the chunk completes, each redacted as it stands.</summary>
    private static List<ClientMessage> Read(SseFramer framer, ReadOnlySpan<byte> input, SseBodyRedactor redactor)
    {
        var found = new List<ClientMessage>();
        while (framer.TryRead(ref input, out var sseEvent))
        {
            if (sseEvent.Terminated && sseEvent.HasData && Classify(sseEvent.Data) is var (method, requestId) && method is not null)
            {
                found.Add(new ClientMessage(method, requestId, Redact(sseEvent, redactor)));
            }
        }

        return found;
    }

    /// <summary>
    /// The JSON-RPC message of <paramref name="sseEvent"/>, redacted: the event through the stream's redactor (without
    /// hold-back), its data read back. The A2A relay (<see cref="A2aStreamRelay"/>) redacts each event the same way.
    /// </summary>
    internal static byte[] Redact(in SseEvent sseEvent, SseBodyRedactor redactor)
    {
        var raw = new ArrayBufferWriter<byte>(sseEvent.Data.Length + 64);
        sseEvent.WriteTo(raw);
        var redacted = new ArrayBufferWriter<byte>(raw.WrittenCount + 64);

        // Without hold-back, one terminated event in is one event out, written at once.
        redactor.Write(raw.WrittenSpan, redacted);
        foreach (var written in SseFramer.Enumerate(redacted.WrittenSpan))
        {
            if (written.HasData)
            {
                return written.Data.ToArray();
            }
        }

        throw new InvalidDataException("The redactor wrote no data for a relayed message; nothing unredacted is passed on.");
    }

    /// <summary>
    /// The method of a message for the client (a request to it, with its raw id, or a notification it is told), or no
    /// method for anything else (the answer, a notification that is not relayed, what is not JSON-RPC).
    /// </summary>
    private static (string? Method, string? RequestId) Classify(ReadOnlySpan<byte> data)
    {
        using var document = ParseWhole(data);
        if (document?.RootElement is not { ValueKind: JsonValueKind.Object } root
            || !root.TryGetProperty("method"u8, out var m) || m.ValueKind != JsonValueKind.String)
        {
            return (null, null);
        }

        var method = m.GetString();
        if (root.TryGetProperty("id"u8, out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number)
        {
            return (method, id.GetRawText());
        }

        return method is "notifications/progress" or "notifications/message" ? (method, null) : (null, null);
    }

    /// <summary>
    /// An event's data as one JSON document, read as strictly as <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/>
    /// reads it (one value, nothing after it but whitespace), or null for anything else (a comment, a keep-alive, a value
    /// with bytes after it): the relays read each event once this way, so that what they pass on is what they read.
    /// </summary>
    internal static JsonDocument? ParseWhole(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        JsonDocument? document = null;
        try
        {
            document = JsonDocument.ParseValue(ref reader);

            // Past the value: false at the end of the data, a JsonException for anything but whitespace.
            if (!reader.Read())
            {
                return document;
            }
        }
        catch (JsonException)
        {
        }

        document?.Dispose();
        return null;
    }

    /// <summary>The requests of a server the client is asked: its model (sampling) and its person (elicitation).</summary>
    private static bool IsRelayedRequest(string method) => method is "sampling/createMessage" or "elicitation/create";

    private sealed record ClientMessage(string Method, string? RequestId, byte[] Json);
}
