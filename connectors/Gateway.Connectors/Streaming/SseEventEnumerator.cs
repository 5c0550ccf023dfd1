namespace Gateway.Connectors.Streaming;

/// <summary>
/// The events of a complete <c>text/event-stream</c> body read through one <see cref="SseFramer"/>
/// (<see cref="SseFramer.Enumerate"/>): those a blank line ended, then an unterminated last one. Each
/// event is valid until the next is read.
/// </summary>
public ref struct SseEventEnumerator
{
    private readonly SseFramer _framer;
    private ReadOnlySpan<byte> _rest;
    private bool _ended;

    internal SseEventEnumerator(SseFramer framer, ReadOnlySpan<byte> body)
    {
        _framer = framer;
        _rest = body;
    }

    /// <summary>The event read last.</summary>
    public SseEvent Current { get; private set; }

    /// <summary>Itself, so that <c>foreach</c> reads the events.</summary>
    public readonly SseEventEnumerator GetEnumerator() => this;

    /// <summary>Reads the next event; false after the last.</summary>
    public bool MoveNext()
    {
        if (_framer.TryRead(ref _rest, out var next))
        {
            Current = next;
            return true;
        }

        if (_ended || !_framer.TryReadLast(out next))
        {
            _ended = true;
            return false;
        }

        _ended = true;
        Current = next;
        return true;
    }
}
