using System.Buffers;

namespace Gateway.Connectors.Streaming;

/// <summary>
/// A transform over a body that arrives in chunks. Feed every chunk to <see cref="Write"/> in order,
/// then call <see cref="Complete"/> once; output is appended as soon as it is final.
/// </summary>
public interface IBodyTransform
{
    /// <summary>Consumes <paramref name="input"/>; writes whatever can be emitted now.</summary>
    void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output);

    /// <summary>Ends the body: writes the held-back remainder.</summary>
    void Complete(IBufferWriter<byte> output);
}
