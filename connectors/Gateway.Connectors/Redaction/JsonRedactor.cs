using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Redacts a JSON document token by token and writes valid JSON: every string value and every member
/// name (an e-mail address used as a key is redacted like one used as a value), and numbers that are
/// card numbers (13–19 digits, network prefix, Luhn-valid), which become the replacement string. Other
/// numbers are copied verbatim; other tokens are re-written compactly.
/// </summary>
public static class JsonRedactor
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false, MaxDepth = 128 };

    // Strings no longer than this are checked as characters on the stack, and written without a string when nothing matches.
    private const int StackChars = 256;

    // A redacted text of up to StackChars characters, its replacements included, written on the stack.
    private const int RedactedStackChars = 2 * StackChars;

    // Larger buffers are not kept for the thread's next document.
    private const int MaxKeptBuffer = 256 * 1024;

    // The buffer and writer of Redact(span, counts), reused per thread: the document is copied out once.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The redacted document; throws <see cref="JsonException"/> when <paramref name="utf8Json"/> is not JSON.</summary>
    public static byte[] Redact(ReadOnlySpan<byte> utf8Json, RedactionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        try
        {
            JsonTokenWalk.Run(utf8Json, ReaderOptions, writer, new DocumentRedaction(counts));
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            writer.Reset();
            if (buffer.Capacity > MaxKeptBuffer)
            {
                t_buffer = null;
                t_writer = null;
            }
        }
    }

    /// <summary>Writes the redacted document to <paramref name="output"/>.</summary>
    public static void Redact(ReadOnlySpan<byte> utf8Json, IBufferWriter<byte> output, RedactionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        JsonTokenWalk.Run(utf8Json, ReaderOptions, writer, new DocumentRedaction(counts));
        writer.Flush();
    }

    /// <summary>Redacts a parsed element (for executors that already hold a <see cref="JsonElement"/>).</summary>
    public static JsonElement Redact(JsonElement element, RedactionCounts counts)
    {
        var bytes = Redact(JsonSerializer.SerializeToUtf8Bytes(element, ConnectorsJsonContext.Default.JsonElement), counts);
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    }

    // Every member name and string value redacted as text, card numbers replaced; paths are not followed.
    private readonly struct DocumentRedaction(RedactionCounts counts) : IJsonTokenHandler
    {
        public void BeginValue()
        {
        }

        public void BeginContainer(bool isArray)
        {
        }

        public void EndContainer()
        {
        }

        public void WritePropertyName(ref Utf8JsonReader reader, Utf8JsonWriter writer)
        {
            Span<char> chars = stackalloc char[StackChars];
            Span<char> redacted = stackalloc char[RedactedStackChars];
            if (CopyToStack(ref reader, chars) is var length and >= 0 && Written(chars[..length], redacted, out var written))
            {
                writer.WritePropertyName(written);
                return;
            }

            writer.WritePropertyName(TextRedactor.Redact(reader.GetString()!, counts));
        }

        public void WriteString(ref Utf8JsonReader reader, Utf8JsonWriter writer)
        {
            Span<char> chars = stackalloc char[StackChars];
            Span<char> redacted = stackalloc char[RedactedStackChars];
            if (CopyToStack(ref reader, chars) is var length and >= 0 && Written(chars[..length], redacted, out var written))
            {
                writer.WriteStringValue(written);
                return;
            }

            writer.WriteStringValue(TextRedactor.Redact(reader.GetString()!, counts));
        }

        // The token's characters in chars when they fit (a UTF-8 byte never decodes to more than one UTF-16 character,
        // escaped or not): their length, or -1.
        private static int CopyToStack(ref Utf8JsonReader reader, scoped Span<char> chars) =>
            reader.HasValueSequence || reader.ValueSpan.Length > chars.Length ? -1 : reader.CopyString(chars);

        // The text as written: itself when nothing in it can be redacted, else redacted into redacted when that fits
        // (counted); false when it does not, and the caller makes a string.
        private bool Written(ReadOnlySpan<char> text, Span<char> redacted, out ReadOnlySpan<char> written)
        {
            if (!TextRedactor.MayRedact(text, counts))
            {
                written = text;
                return true;
            }

            var length = TextRedactor.TryRedact(text, redacted, counts);
            written = length < 0 ? default : redacted[..length];
            return length >= 0;
        }

        public void WriteCardNumber(Utf8JsonWriter writer)
        {
            writer.WriteStringValue(RedactionKind.CardNumber.Replacement());
            counts.Add(RedactionKind.CardNumber);
        }
    }
}
