using System.Buffers;

namespace Gateway.Connectors.Streaming;

/// <summary>
/// One server-sent event as <see cref="SseFramer"/> read it: its lines as received (UTF-8, without their
/// line ends, a stream's leading byte order mark left out), the value of its <c>data</c> field (the data
/// lines' values joined by <c>\n</c>) and whether a blank line ended it (a stream's last event may lack
/// one). It views the framer's buffers: valid until the framer reads on.
/// </summary>
public readonly ref struct SseEvent
{
    private readonly ReadOnlySpan<byte> _bytes;
    private readonly ReadOnlySpan<Range> _lines;

    internal SseEvent(ReadOnlySpan<byte> bytes, ReadOnlySpan<Range> lines, int firstDataLine, ReadOnlySpan<byte> data, bool terminated)
    {
        _bytes = bytes;
        _lines = lines;
        FirstDataLine = firstDataLine;
        Data = data;
        Terminated = terminated;
    }

    /// <summary>How many lines the event has (none for the empty event of a blank line after a blank line).</summary>
    public int LineCount => _lines.Length;

    /// <summary>Whether a blank line ended the event.</summary>
    public bool Terminated { get; }

    /// <summary>The index of the event's first <c>data</c> line; -1 when it has none.</summary>
    public int FirstDataLine { get; }

    /// <summary>Whether the event has a <c>data</c> field (possibly empty).</summary>
    public bool HasData => FirstDataLine >= 0;

    /// <summary>The <c>data</c> field: the values of the data lines joined by <c>\n</c>; empty when there are none.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The line at <paramref name="index"/>, without its line end.</summary>
    public ReadOnlySpan<byte> Line(int index) => _bytes[_lines[index]];

    /// <summary>Writes the event as it came, each line ending in <c>\n</c> (whatever its line end was), then the blank terminator when it had one.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var range in _lines)
        {
            output.Write(_bytes[range]);
            output.Write("\n"u8);
        }

        if (Terminated)
        {
            output.Write("\n"u8);
        }
    }
}
