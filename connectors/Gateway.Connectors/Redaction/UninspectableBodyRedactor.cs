using System.Buffers;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// The redactor for a body the redactor cannot read (binary media): it refuses the first byte with
/// <see cref="InvalidDataException"/>, so that under a <c>redact</c> policy the host aborts the response
/// rather than forwarding it uninspected. An empty body passes.
/// </summary>
public sealed class UninspectableBodyRedactor(RedactionCounts counts, string mediaType) : IBodyRedactor
{
    /// <inheritdoc/>
    public RedactionCounts Counts { get; } = counts;

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        if (!input.IsEmpty)
        {
            throw new InvalidDataException($"A '{mediaType}' body cannot be inspected for redaction; it is refused rather than forwarded.");
        }
    }

    /// <inheritdoc/>
    public void Complete(IBufferWriter<byte> output)
    {
    }
}
