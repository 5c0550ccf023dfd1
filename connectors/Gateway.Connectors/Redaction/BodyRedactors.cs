namespace Gateway.Connectors.Redaction;

/// <summary>Picks the body redactor for a response's content type.</summary>
public static class BodyRedactors
{
    /// <summary>
    /// <c>text/event-stream</c> → <see cref="SseBodyRedactor"/>; JSON types → <see cref="JsonBodyRedactor"/>;
    /// binary media (images, audio, video, octet-stream, PDF, archives) → null (nothing textual to redact);
    /// anything else (text, NDJSON, unknown) → <see cref="Utf8TextBodyRedactor"/>.
    /// </summary>
    public static IBodyRedactor? For(string? contentType, RedactionCounts? counts = null, int maxBufferedJsonBytes = 4 * 1024 * 1024)
    {
        var mediaType = (contentType ?? string.Empty).Split(';', 2)[0].Trim().ToLowerInvariant();
        if (mediaType == "text/event-stream")
        {
            return new SseBodyRedactor(counts);
        }

        if (mediaType is "application/json" or "application/problem+json" || mediaType.EndsWith("+json", StringComparison.Ordinal))
        {
            return new JsonBodyRedactor(counts, maxBufferedJsonBytes);
        }

        if (IsBinary(mediaType))
        {
            return null;
        }

        return new Utf8TextBodyRedactor(counts);
    }

    /// <summary>True for media types that carry no redactable text.</summary>
    public static bool IsBinary(string mediaType) =>
        mediaType.StartsWith("image/", StringComparison.Ordinal)
        || mediaType.StartsWith("audio/", StringComparison.Ordinal)
        || mediaType.StartsWith("video/", StringComparison.Ordinal)
        || mediaType is "application/octet-stream" or "application/pdf" or "application/zip" or "application/gzip";
}
