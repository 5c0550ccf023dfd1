using System.Buffers;
using System.Text.Json;

using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Redaction of an <c>application/json</c> body: buffered up to a limit and redacted as a document
/// (string values only, JSON kept valid). Past the limit, or when the body is not JSON, it falls back to
/// streaming text redaction, which never matches across a JSON string's quotes and refuses what is not text
/// (UTF-16 or UTF-32 JSON, a NUL byte, bytes that are not UTF-8: <see cref="UnreadableText"/>).
/// </summary>
public sealed class JsonBodyRedactor : IBodyRedactor
{
    // The body as it arrives, pooled: returned once it is redacted (or handed to the streaming fallback).
    private readonly PooledBufferWriter _buffer = new(4096);
    private readonly int _maxBufferedBytes;
    private Utf8TextBodyRedactor? _fallback;

    public JsonBodyRedactor(RedactionCounts? counts = null, int maxBufferedBytes = 4 * 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBufferedBytes);
        Counts = counts ?? new RedactionCounts();
        _maxBufferedBytes = maxBufferedBytes;
    }

    /// <inheritdoc/>
    public RedactionCounts Counts { get; }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        if (_fallback is not null)
        {
            _fallback.Write(input, output);
            return;
        }

        if (_buffer.WrittenCount + input.Length <= _maxBufferedBytes)
        {
            _buffer.Write(input);
            return;
        }

        _fallback = new Utf8TextBodyRedactor(Counts);
        _fallback.Write(_buffer.WrittenSpan, output);
        _buffer.Return();
        _fallback.Write(input, output);
    }

    /// <inheritdoc/>
    public void Complete(IBufferWriter<byte> output)
    {
        if (_fallback is null && _buffer.WrittenCount > 0)
        {
            var counts = Counts.Fresh();
            try
            {
                // Checked first: the JSON reader would stop on it with another exception than JsonException.
                UnreadableText.RefuseInvalidUtf8(_buffer.WrittenSpan);
                JsonRedactor.Redact(_buffer.WrittenSpan, output, counts);
                Counts.Add(counts);
                return;
            }
            catch (JsonException)
            {
                _fallback = new Utf8TextBodyRedactor(Counts);
                _fallback.Write(_buffer.WrittenSpan, output);
            }
            finally
            {
                _buffer.Return();
            }
        }

        _fallback?.Complete(output);
    }
}
