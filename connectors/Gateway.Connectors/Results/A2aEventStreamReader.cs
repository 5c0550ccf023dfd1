using System.Text;
using System.Text.Json;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Results;

/// <summary>
/// The answer to a streamed A2A request (<c>SendStreamingMessage</c>, <c>SubscribeToTask</c> and their 0.3 names): every
/// event of the remote agent's stream that carries the JSON-RPC reply to the gateway's id, each <c>result</c> (or
/// <c>error</c>) redacted, in order, as one JSON array; an answer that is not an event stream is read as one reply. It
/// reads a body already read whole within the connector's response limit: the gateway relays a remote agent's event
/// stream event by event instead (the proxy's <c>A2aStreamRelay</c>, docs/a2a.md), and reads here only an answer to a
/// streamed request that is not an event stream (a JSON reply, or an HTTP failure).
/// </summary>
public static class A2aEventStreamReader
{
    /// <summary>The prefix of the gateway's JSON-RPC id on a streamed A2A request, by which its answer is read as a stream.</summary>
    public const string StreamIdPrefix = "a2a-stream-";

    /// <summary>The events' payloads as a JSON array of <c>{"result":…}</c> or <c>{"error":…}</c> objects; status 502 when none answers the id.</summary>
    public static ConnectorResult Read(int statusCode, bool eventStream, ReadOnlySpan<byte> body, string id, RedactionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var failed = new ConnectorResult { StatusCode = statusCode is >= 200 and < 300 ? 502 : statusCode, Json = "null"u8.ToArray() };
        if (statusCode is < 200 or >= 300)
        {
            return failed;
        }

        using var buffer = new MemoryStream();
        var count = 0;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            if (eventStream)
            {
                foreach (var sseEvent in SseFramer.Enumerate(body))
                {
                    if (sseEvent.Terminated && sseEvent.HasData && WriteReply(writer, Encoding.UTF8.GetString(sseEvent.Data), id, counts))
                    {
                        count++;
                    }
                }
            }
            else if (WriteReply(writer, Encoding.UTF8.GetString(body), id, counts))
            {
                count++;
            }

            writer.WriteEndArray();
        }

        return count == 0 ? failed : new ConnectorResult { StatusCode = 200, Json = buffer.ToArray() };
    }

    private static bool WriteReply(Utf8JsonWriter writer, string json, string id, RedactionCounts counts)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var replyId) || replyId.ValueKind != JsonValueKind.String || replyId.GetString() != id)
            {
                return false;
            }

            var isError = root.TryGetProperty("error", out var error);
            if (!isError && !root.TryGetProperty("result", out _))
            {
                return false;
            }

            writer.WriteStartObject();
            writer.WritePropertyName(isError ? "error"u8 : "result"u8);
            JsonRedactor.Redact(isError ? error : root.GetProperty("result"), counts).WriteTo(writer);
            writer.WriteEndObject();
            return true;
        }
        catch (JsonException)
        {
            // A comment or keep-alive event.
            return false;
        }
    }
}
