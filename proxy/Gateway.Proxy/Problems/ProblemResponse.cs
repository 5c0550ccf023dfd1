using System.Text.Json;
using Gateway.Proxy.Requests;

namespace Gateway.Proxy.Problems;

/// <summary>
/// Writes RFC 9457 <c>application/problem+json</c> refusals with the agent protocol's extension
/// members: <c>code</c>, <c>request_id</c>, and where a decision was made <c>decision</c> and
/// <c>explanation</c>. The body is written with a <see cref="Utf8JsonWriter"/>: no reflection.
/// </summary>
public static class ProblemResponse
{
    public const string ContentType = "application/problem+json";

    /// <summary>Writes a refusal. <paramref name="extensions"/> may add members (already-serialised JSON values).</summary>
    public static Task WriteAsync(
        HttpContext context,
        int status,
        string code,
        string detail,
        string? decision = null,
        ReadOnlyMemory<byte> explanationJson = default,
        Action<Utf8JsonWriter>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        if (response.HasStarted)
        {
            // Nothing can be said any more; abort so the client never mistakes a cut body for success.
            context.Abort();
            return Task.CompletedTask;
        }

        // Clear() drops headers; a Retry-After the caller set for this refusal must survive it.
        var retryAfter = response.Headers.RetryAfter;
        response.Clear();
        if (retryAfter.Count > 0)
        {
            response.Headers.RetryAfter = retryAfter;
        }

        response.StatusCode = status;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        context.Features.Get<GatewayRequestFeature>()?.RecordRefusal(status, code);

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "https://gateway.local/problems/" + code);
            writer.WriteString("title"u8, TitleFor(status));
            writer.WriteNumber("status"u8, status);
            writer.WriteString("detail"u8, detail);
            writer.WriteString("code"u8, code);
            writer.WriteString("request_id"u8, RequestIdMiddleware.GetRequestId(context));
            if (decision is not null)
            {
                writer.WriteString("decision"u8, decision);
            }

            if (!explanationJson.IsEmpty)
            {
                writer.WritePropertyName("explanation"u8);
                writer.WriteRawValue(explanationJson.Span, skipInputValidation: true);
            }

            extensions?.Invoke(writer);
            writer.WriteEndObject();
        }

        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).AsTask();
    }

    private static string TitleFor(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Approval Required",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    };
}
