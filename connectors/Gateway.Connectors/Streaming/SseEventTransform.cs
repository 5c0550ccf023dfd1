using System.Buffers;

namespace Gateway.Connectors.Streaming;

/// <summary>
/// A transform of a <c>text/event-stream</c> body event by event: each network chunk goes through an
/// <see cref="SseFramer"/>, each event it completes is handed to <see cref="WriteEvent"/> and written at
/// once, the stream's unterminated last event at <see cref="Complete"/>. An event larger than the limit
/// fails the stream with <see cref="InvalidDataException"/> (fail closed: nothing half-transformed is forwarded), thrown at
/// <see cref="Complete"/>: from that event on nothing more is written, while the body is still read to its end, so that a
/// transform before this one in a chain (the usage tap) reads what the rest of it reports.
/// </summary>
public abstract class SseEventTransform : IBodyTransform
{
    private readonly SseFramer _framer;
    // The framer's refusal of an event over the limit: nothing is written after it, and Complete throws it.
    private InvalidDataException? _oversized;

    /// <param name="maxEventBytes">The most bytes an event may have.</param>
    /// <param name="oversizedEventMessage">The message of the exception for an event over the limit (a default when null).</param>
    protected SseEventTransform(int maxEventBytes, string? oversizedEventMessage = null) =>
        _framer = new SseFramer(maxEventBytes, oversizedEventMessage);

    /// <summary>
    /// Writes what is to be written for one event (<see cref="SseEvent.WriteTo"/> passes it on as it came).
    /// A transform that holds events back (to see the next one first) also overrides <see cref="CompleteStream"/>.
    /// </summary>
    protected abstract void WriteEvent(in SseEvent sseEvent, IBufferWriter<byte> output);

    /// <summary>Writes whatever is still held back when the stream ends (nothing by default).</summary>
    protected virtual void CompleteStream(IBufferWriter<byte> output)
    {
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (_oversized is null && TryRead(ref input, out var sseEvent))
        {
            WriteEvent(sseEvent, output);
        }
    }

    /// <inheritdoc/>
    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_oversized is not null)
        {
            throw new InvalidDataException(_oversized.Message, _oversized);
        }

        if (_framer.TryReadLast(out var sseEvent))
        {
            WriteEvent(sseEvent, output);
        }

        CompleteStream(output);
    }

    // The next event; false once an event is over the limit (the rest of the body is then only read).
    private bool TryRead(scoped ref ReadOnlySpan<byte> input, out SseEvent sseEvent)
    {
        try
        {
            return _framer.TryRead(ref input, out sseEvent);
        }
        catch (InvalidDataException ex)
        {
            _oversized = ex;
            sseEvent = default;
            return false;
        }
    }
}
