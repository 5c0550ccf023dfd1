using System.Buffers;
using System.Text;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// The redactor of a body that declares <c>us-ascii</c> (or <c>ascii</c>): its bytes go to the redactor of its media type,
/// read as UTF-8 (which ASCII is), while every one is below 0x80. The first byte above refuses the body with
/// <see cref="InvalidDataException"/>: an agent reading the declared charset takes it for a windows-1252 character (0x96
/// an en dash, 0xA0 a no-break space) that a UTF-8 reader sees as none, so a card number split by it would pass unmatched.
/// Each chunk is checked as it passes, on the one read of the body.
/// </summary>
public sealed class AsciiDeclaredBodyRedactor(IBodyRedactor inner) : IBodyRedactor
{
    /// <summary>The message of the refusal.</summary>
    public const string Message = "A body declared US-ASCII holds a byte above 0x7F, which its reader takes for another character than the redactor does; it is refused.";

    /// <inheritdoc/>
    public RedactionCounts Counts => inner.Counts;

    /// <summary>Throws <see cref="InvalidDataException"/> when <paramref name="bytes"/> holds a byte above 0x7F.</summary>
    public static void Refuse(ReadOnlySpan<byte> bytes)
    {
        if (!Ascii.IsValid(bytes))
        {
            throw new InvalidDataException(Message);
        }
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        Refuse(input);
        inner.Write(input, output);
    }

    /// <inheritdoc/>
    public void Complete(IBufferWriter<byte> output) => inner.Complete(output);
}
