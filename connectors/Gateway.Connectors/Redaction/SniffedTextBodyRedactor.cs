using System.Buffers;
using System.Text;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// The redactor for <c>application/octet-stream</c> or untyped bodies: they are redacted as UTF-8 text
/// as long as they are text (valid UTF-8, checked across chunk boundaries, and without NUL bytes, the rule every body
/// read as text is held to: <see cref="UnreadableText"/>, applied by <see cref="Utf8TextBodyRedactor"/>); the first
/// byte that shows the body is binary refuses it with <see cref="InvalidDataException"/> (fail closed:
/// what cannot be inspected is not forwarded).
/// </summary>
public sealed class SniffedTextBodyRedactor : IBodyRedactor
{
    private readonly Decoder _validator = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
    private readonly Utf8TextBodyRedactor _text;
    private char[] _scratch = new char[1024];

    public SniffedTextBodyRedactor(RedactionCounts? counts = null)
    {
        Counts = counts ?? new RedactionCounts();
        _text = new Utf8TextBodyRedactor(Counts);
    }

    /// <inheritdoc/>
    public RedactionCounts Counts { get; }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        Validate(input, flush: false);
        _text.Write(input, output);
    }

    /// <inheritdoc/>
    public void Complete(IBufferWriter<byte> output)
    {
        Validate([], flush: true);
        _text.Complete(output);
    }

    private void Validate(ReadOnlySpan<byte> input, bool flush)
    {
        try
        {
            var needed = _validator.GetCharCount(input, flush);
            if (needed > _scratch.Length)
            {
                _scratch = new char[needed];
            }

            _validator.GetChars(input, _scratch, flush);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException("An octet-stream body is not UTF-8 text; it cannot be inspected for redaction and is refused.");
        }
    }
}
