using System.Buffers;
using System.Text;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Streaming redaction of a UTF-8 text body (chunked plain text, NDJSON, JSON too large to buffer):
/// multi-byte characters split across chunks are decoded correctly, and only a bounded tail is held back. A body that
/// is not text a pattern can be matched in (a NUL byte, a UTF-16/UTF-32 byte-order mark, a byte sequence that is not
/// UTF-8: <see cref="UnreadableText"/>) is refused with <see cref="InvalidDataException"/>, across chunk boundaries too.
/// </summary>
public sealed class Utf8TextBodyRedactor : IBodyRedactor
{
    private readonly Decoder _decoder = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
    private readonly StreamingTextRedactor _redactor;
    private readonly StringBuilder _output = new();

    // The body's first two bytes (fewer while fewer have come): where a UTF-16 byte-order mark would stand.
    private readonly byte[] _start = new byte[2];
    private int _startLength;
    private char[] _chars = new char[4096];

    // The most of one write redacted at once.
    private const int SliceBytes = 64 * 1024;

    public Utf8TextBodyRedactor(RedactionCounts? counts = null)
    {
        Counts = counts ?? new RedactionCounts();
        _redactor = new StreamingTextRedactor(Counts);
    }

    /// <inheritdoc/>
    public RedactionCounts Counts { get; }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        var taken = Math.Min(_start.Length - _startLength, input.Length);
        input[..taken].CopyTo(_start.AsSpan(_startLength));
        _startLength += taken;
        UnreadableText.Refuse(input, _start.AsSpan(0, _startLength));

        // In slices, as the network gives a body: each match scans a slice and what was held back, never megabytes (a JSON
        // body past its buffer, handed over at once) within one match's timeout.
        var at = 0;
        do
        {
            var slice = input.Slice(at, Math.Min(SliceBytes, input.Length - at));
            _redactor.Write(Decode(slice, flush: false), _output);
            Emit(output);
            at += slice.Length;
        }
        while (at < input.Length);
    }

    /// <inheritdoc/>
    public void Complete(IBufferWriter<byte> output)
    {
        _redactor.Write(Decode([], flush: true), _output);
        _redactor.Complete(_output);
        Emit(output);
    }

    // Bytes that are not UTF-8 (a sequence cut short at the end included) refuse the body: see UnreadableText.RefuseInvalidUtf8.
    private ReadOnlySpan<char> Decode(ReadOnlySpan<byte> input, bool flush)
    {
        try
        {
            var needed = _decoder.GetCharCount(input, flush);
            if (needed > _chars.Length)
            {
                _chars = new char[Math.Max(needed, _chars.Length * 2)];
            }

            return _chars.AsSpan(0, _decoder.GetChars(input, _chars, flush));
        }
        catch (DecoderFallbackException ex)
        {
            throw new InvalidDataException(UnreadableText.InvalidUtf8Message, ex);
        }
    }

    private void Emit(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var chunk in _output.GetChunks())
        {
            var span = chunk.Span;
            var destination = output.GetSpan(Encoding.UTF8.GetMaxByteCount(span.Length));
            output.Advance(Encoding.UTF8.GetBytes(span, destination));
        }

        _output.Clear();
    }
}
