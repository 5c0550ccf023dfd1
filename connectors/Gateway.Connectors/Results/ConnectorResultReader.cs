using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Kinds;
using Gateway.Connectors.Models;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;
using Gateway.Policy;

namespace Gateway.Connectors.Results;

/// <summary>
/// Turns the body a governed action's upstream answered into the <c>result</c> the agent receives,
/// always redacted: JSON when the media type says JSON, else the text (an event stream redacted
/// event by event) as a JSON string; for <c>mcp_tool</c>, and for the gateway's own request to an MCP server (a prompt
/// or a resource on <c>/mcp</c>), the JSON-RPC <c>result</c> (or <c>error</c>, status 502) of the reply to the call, from
/// a JSON answer or an event stream.
/// </summary>
public static class ConnectorResultReader
{
    /// <summary>
    /// Reads <paramref name="body"/> (already decoded and within the connector's limit). <paramref name="maxBytes"/> is the
    /// most the agent asked for (a context pack's <c>max_bytes</c>): the text is cut to it after it is redacted, so that
    /// no cut can split a value redaction would have matched whole. A <paramref name="truncated"/> body (the read was cut)
    /// keeps only what the streaming redactor releases before its end: nothing past what redaction could judge is returned.
    /// Throws <see cref="InvalidDataException"/> for a body no
    /// pattern can be matched in, as the provider route's redactors refuse it: one that declares a charset not in
    /// <see cref="BodyRedactors.ReadableCharsets"/>, or declares ASCII and holds a byte above 0x7F, or one that <see cref="UnreadableText"/> refuses (bytes that are not
    /// valid UTF-8, UTF-16 or UTF-32 text, a NUL byte); nothing of it is returned.
    /// </summary>
    public static ConnectorResult Read(ConnectorKind kind, int statusCode, string? contentType, ReadOnlySpan<byte> body, string? jsonRpcId, bool truncated, RedactionCounts counts, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (BodyRedactors.IsUnreadable(contentType, body))
        {
            throw new InvalidDataException("The body declares a charset no pattern can be matched in (or US-ASCII, and holds a byte above 0x7F); it cannot be inspected for redaction and is refused.");
        }

        // Bytes that are not UTF-8 would be U+FFFD to the redactor and a separator to the agent's reader. A body cut at the
        // connector's limit may end inside a character: that tail is dropped, not refused.
        if (truncated)
        {
            body = body[..Utf8Boundary.LastCompleteLength(body)];
        }

        UnreadableText.RefuseInvalidUtf8(body);

        var mediaType = MediaTypeOf(contentType);
        var eventStream = mediaType == "text/event-stream";
        var type = ConnectorTypes.Of(kind);
        if (kind == ConnectorKind.A2a && jsonRpcId is not null && jsonRpcId.StartsWith(A2aEventStreamReader.StreamIdPrefix, StringComparison.Ordinal))
        {
            return A2aEventStreamReader.Read(statusCode, eventStream, body, jsonRpcId, counts);
        }

        if (type.ResultIsJsonRpcReply || (type.IsMcpServer && jsonRpcId is not null))
        {
            return McpReply(statusCode, eventStream, body, jsonRpcId, counts);
        }

        var usageCut = false;
        ModelUsage? usage = null;
        if (type.IsModel)
        {
            // A stream read only in part (cut at the limit) or that ended before its terminal event reported part of its use.
            usage = eventStream ? ModelUsageReader.FromSse(body, kind, out usageCut) : ModelUsageReader.FromJson(body, kind);
            usageCut |= eventStream && truncated;
        }

        var cut = maxBytes is { } most && body.Length > most;
        var isJson = !truncated && !cut && mediaType is not null && (mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal));
        if (isJson && !body.IsEmpty)
        {
            try
            {
                // The redactor reads the whole document and throws where it is not one JSON value.
                var redacted = JsonRedactor.Redact(body, counts);
                return new ConnectorResult { StatusCode = statusCode, Json = redacted, Usage = usage, UsageCut = usageCut };
            }
            catch (JsonException)
            {
                // Declared JSON but is not: reported as text.
            }
        }

        // One streaming pass, whole or cut: a body read whole is completed (the held-back tail released, redacted); a body
        // cut at the limit is left unfinished, and what the redactor still holds back at the cut (a value the cut may have
        // split, an unterminated event) could not be judged and is dropped.
        IBodyRedactor redactor = eventStream ? new SseBodyRedactor(counts) : new Utf8TextBodyRedactor(counts);
        var output = new ArrayBufferWriter<byte>(body.Length + 64);
        redactor.Write(body, output);
        if (!truncated)
        {
            redactor.Complete(output);
        }

        var text = Encoding.UTF8.GetString(output.WrittenSpan);
        if (cut && Encoding.UTF8.GetByteCount(text) > maxBytes!.Value)
        {
            var redacted = Encoding.UTF8.GetBytes(text).AsSpan(0, (int)maxBytes.Value);
            text = Encoding.UTF8.GetString(redacted[..Utf8Boundary.LastCompleteLength(redacted)]);
            truncated = true;
        }

        return new ConnectorResult
        {
            StatusCode = statusCode,
            Json = body.IsEmpty && !truncated ? "null"u8.ToArray() : JsonSerializer.SerializeToUtf8Bytes(text, ConnectorsJsonContext.Default.String),
            Usage = usage,
            Truncated = truncated,
            UsageCut = usageCut,
        };
    }

    private static ConnectorResult McpReply(int statusCode, bool eventStream, ReadOnlySpan<byte> body, string? id, RedactionCounts counts)
    {
        var failed = new ConnectorResult { StatusCode = statusCode is >= 200 and < 300 ? 502 : statusCode, Json = "null"u8.ToArray() };
        if (statusCode is < 200 or >= 300 || id is null)
        {
            return failed;
        }

        JsonElement? reply = null;
        if (eventStream)
        {
            // Only events a blank line ended: what an SSE client dispatches.
            foreach (var sseEvent in SseFramer.Enumerate(body))
            {
                if (sseEvent.Terminated && sseEvent.HasData && MatchReply(Encoding.UTF8.GetString(sseEvent.Data), id) is { } match)
                {
                    reply = match;
                    break;
                }
            }
        }
        else
        {
            reply = MatchReply(Encoding.UTF8.GetString(body), id);
        }

        if (reply is not { } message)
        {
            return failed;
        }

        var isError = message.TryGetProperty("error", out var error);
        var payload = isError ? error : message.GetProperty("result");
        var redacted = JsonRedactor.Redact(payload, counts);
        return new ConnectorResult { StatusCode = isError ? 502 : 200, Json = JsonSerializer.SerializeToUtf8Bytes(redacted, ConnectorsJsonContext.Default.JsonElement) };
    }

    private static JsonElement? MatchReply(string json, string id)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var candidates = root.ValueKind == JsonValueKind.Array ? [.. root.EnumerateArray()] : new[] { root };
            foreach (var candidate in candidates)
            {
                if (candidate.ValueKind == JsonValueKind.Object && candidate.TryGetProperty("id", out var replyId) && replyId.GetRawText().Trim('"') == id
                    && (candidate.TryGetProperty("result", out _) || candidate.TryGetProperty("error", out _)))
                {
                    return candidate.Clone();
                }
            }
        }
        catch (JsonException)
        {
            // Not a JSON-RPC message (a comment or keep-alive event).
        }

        return null;
    }

    private static string? MediaTypeOf(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return null;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
    }
}
