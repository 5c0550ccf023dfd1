using System.Net.Http.Headers;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Picks the body redactor for a response's content type, from a declared list. Under a <c>redact</c>
/// policy nothing passes uninspected: a type the redactor cannot read gets a redactor that refuses the
/// body (<see cref="InvalidDataException"/> on its first byte), so the host aborts instead of forwarding.
/// </summary>
public static class BodyRedactors
{
    /// <summary>Media types (besides <c>text/*</c>, <c>*+json</c> and <c>*+xml</c>) redacted as UTF-8 text.</summary>
    public static IReadOnlyList<string> TextMediaTypes { get; } =
    [
        "application/xml", "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
        "application/javascript", "application/x-www-form-urlencoded", "application/yaml", "application/x-yaml",
        "application/graphql", "application/sql",
    ];

    /// <summary>
    /// The charsets a body may declare and still be redacted: UTF-8, and ASCII (which is UTF-8 while every byte is below 0x80:
    /// <see cref="AsciiCharsets"/>). Any other is refused: read as UTF-8, no pattern would match UTF-16, UTF-32, UTF-7 or
    /// EBCDIC, and in a single-byte charset (<c>iso-8859-1</c>, <c>windows-1252</c>) a byte such as 0x96 (an en dash) or 0xA0
    /// (a no-break space) that splits a card number is a separator to the agent and none to a UTF-8 reader.
    /// </summary>
    public static IReadOnlyList<string> ReadableCharsets { get; } = ["utf-8", "utf8", "us-ascii", "ascii"];

    /// <summary>
    /// The charsets of <see cref="ReadableCharsets"/> that are ASCII: a body that declares one is refused at its first byte
    /// above 0x7F (<see cref="AsciiDeclaredBodyRedactor"/>), which browsers and many clients read as windows-1252.
    /// </summary>
    public static IReadOnlyList<string> AsciiCharsets { get; } = ["us-ascii", "ascii"];

    /// <summary>What a content type naming two different charsets (or one in a header that does not parse) declares.</summary>
    public const string ConflictingCharsets = "(conflicting)";

    /// <summary>
    /// A body that declares a charset not in <see cref="ReadableCharsets"/> → refused; one that declares ASCII → the redactor
    /// its media type gets below, refusing the first byte above 0x7F (<see cref="AsciiDeclaredBodyRedactor"/>);
    /// <c>text/event-stream</c> → <see cref="SseBodyRedactor"/>; <c>application/json</c>, <c>*+json</c> →
    /// <see cref="JsonBodyRedactor"/>; <c>text/*</c>, <c>*+xml</c> and <see cref="TextMediaTypes"/> →
    /// <see cref="Utf8TextBodyRedactor"/>; <c>application/octet-stream</c> or no content type → redacted as
    /// text when the bytes are UTF-8 text (no NUL, valid UTF-8), refused otherwise; anything else (images,
    /// audio, video, PDF, archives, unknown types) → refused. Whatever is read as text (JSON that is not JSON included) is
    /// refused where it holds a NUL byte or starts with a UTF-16/UTF-32 byte-order mark (<see cref="UnreadableText"/>):
    /// UTF-16 with no charset declared.
    /// </summary>
    /// <param name="contentType">The body's content type.</param>
    /// <param name="counts">Where the redactions are counted.</param>
    /// <param name="maxBufferedJsonBytes">The largest JSON body read whole.</param>
    /// <param name="holdSplitValues">
    /// True (a model's tokens, an HTTP connector's text stream): a value split across events is redacted as one, its events
    /// held back until it is complete. False only for a stream whose events must go at once, an MCP server's (each event is
    /// one whole JSON-RPC message, and a server's request to the client must not wait on held-back text).
    /// </param>
    public static IBodyRedactor For(string? contentType, RedactionCounts? counts = null, int maxBufferedJsonBytes = 4 * 1024 * 1024, bool holdSplitValues = true)
    {
        var mediaType = MediaType(contentType);
        counts ??= new RedactionCounts();
        var charset = DeclaredCharset(contentType);
        if (charset is not null && !ReadableCharsets.Contains(Normalized(charset), StringComparer.Ordinal))
        {
            return new UninspectableBodyRedactor(counts, $"{mediaType}; charset={charset}");
        }

        var redactor = ForMediaType(mediaType, counts, maxBufferedJsonBytes, holdSplitValues);
        return charset is not null && AsciiCharsets.Contains(Normalized(charset), StringComparer.Ordinal) ? new AsciiDeclaredBodyRedactor(redactor) : redactor;
    }

    /// <summary>
    /// True when a whole body of <paramref name="contentType"/> cannot be read by the redactors: it declares a charset not in
    /// <see cref="ReadableCharsets"/>, or declares ASCII and holds a byte above 0x7F (one pass over the bytes, no copy).
    /// </summary>
    public static bool IsUnreadable(string? contentType, ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty || DeclaredCharset(contentType) is not { } declared)
        {
            return false;
        }

        var charset = Normalized(declared);
        return !ReadableCharsets.Contains(charset, StringComparer.Ordinal)
            || (AsciiCharsets.Contains(charset, StringComparer.Ordinal) && !System.Text.Ascii.IsValid(body));
    }

    /// <summary>True for media types redacted as UTF-8 text.</summary>
    public static bool IsText(string mediaType)
    {
        ArgumentNullException.ThrowIfNull(mediaType);
        return mediaType.StartsWith("text/", StringComparison.Ordinal)
            || mediaType.EndsWith("+xml", StringComparison.Ordinal)
            || TextMediaTypes.Contains(mediaType, StringComparer.Ordinal);
    }

    /// <summary>The media type of <paramref name="contentType"/>, trimmed and lower-cased (the string itself when it is no more).</summary>
    private static string MediaType(string? contentType)
    {
        if (contentType is null)
        {
            return string.Empty;
        }

        var end = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (end < 0 ? contentType.AsSpan() : contentType.AsSpan(0, end)).Trim();
        return (mediaType.Length == contentType.Length ? contentType : mediaType.ToString()).ToLowerInvariant();
    }

    private static IBodyRedactor ForMediaType(string mediaType, RedactionCounts counts, int maxBufferedJsonBytes, bool holdSplitValues)
    {
        if (mediaType == "text/event-stream")
        {
            return new SseBodyRedactor(counts, holdSplitValues: holdSplitValues);
        }

        if (mediaType is "application/json" or "application/problem+json" || mediaType.EndsWith("+json", StringComparison.Ordinal))
        {
            return new JsonBodyRedactor(counts, maxBufferedJsonBytes);
        }

        if (IsText(mediaType))
        {
            return new Utf8TextBodyRedactor(counts);
        }

        return mediaType is "" or "application/octet-stream"
            ? new SniffedTextBodyRedactor(counts)
            : new UninspectableBodyRedactor(counts, mediaType);
    }

    /// <summary>
    /// The charset <paramref name="contentType"/> declares, as written; null when it declares none.
    /// <see cref="ConflictingCharsets"/> (readable by no redactor) when it names two that differ, or names one in a header
    /// that does not parse: a client may read the last or a loosely parsed one where the redactor would read the first. (Empty
    /// parameters at its end, <c>charset=utf-8;</c>, which no reader takes for anything, are no reason not to parse.)
    /// </summary>
    public static string? DeclaredCharset(string? contentType)
    {
        // No parameter is named charset unless the value spells it (which parsing would not change).
        if (contentType is null || !contentType.Contains("charset", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!MediaTypeHeaderValue.TryParse(contentType.TrimEnd(' ', '\t', ';'), out var parsed))
        {
            return contentType.Contains("charset", StringComparison.OrdinalIgnoreCase) ? ConflictingCharsets : null;
        }

        string? charset = null;
        foreach (var parameter in parsed.Parameters)
        {
            if (!parameter.Name.Equals("charset", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = parameter.Value ?? string.Empty;
            if (charset is not null && Normalized(charset) != Normalized(value))
            {
                return ConflictingCharsets;
            }

            charset ??= value;
        }

        return charset;
    }

    /// <summary>True when <paramref name="charset"/> (as <see cref="DeclaredCharset"/> gives it) is UTF-8.</summary>
    public static bool IsUtf8(string charset) => Normalized(charset) is "utf-8" or "utf8";

    private static string Normalized(string charset) => charset.Trim('"').ToLowerInvariant();
}
