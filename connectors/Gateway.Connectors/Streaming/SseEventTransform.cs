using System.Buffers;

namespace Gateway.Connectors.Streaming;

/// <summary>
/// The framing shared by transforms of a <c>text/event-stream</c> body: lines are collected across
/// network chunks until an event's blank line, the whole event is handed to <see cref="WriteEvent"/> as
/// its UTF-8 bytes and written at once. An event larger than the limit fails the stream with
/// <see cref="InvalidDataException"/> (fail closed: nothing half-transformed is forwarded).
/// </summary>
public abstract class SseEventTransform : IBodyTransform
{
    // The current event's lines, as received (UTF-8), and where each lies in it (without its line end).
    private readonly ArrayBufferWriter<byte> _eventBytes = new(1024);
    private readonly List<Range> _lines = [];
    private readonly int _maxEventBytes;
    private int _eventSize;
    private int _lineStart;

    protected SseEventTransform(int maxEventBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEventBytes);
        _maxEventBytes = maxEventBytes;
    }

    /// <summary>The message of the exception thrown for an event over the limit.</summary>
    protected virtual string OversizedEventMessage(int maxEventBytes) => $"A server-sent event is larger than {maxEventBytes} bytes.";

    /// <summary>
    /// Writes what is to be written for one event, given as its UTF-8 bytes and the range of each line in
    /// them (without its line end); <paramref name="terminated"/> says whether a blank line ended it (the
    /// stream's unterminated last event does not). A transform that holds events back (to see the next one
    /// first) also overrides <see cref="CompleteStream"/>.
    /// </summary>
    protected abstract void WriteEvent(ReadOnlySpan<byte> eventBytes, IReadOnlyList<Range> lines, bool terminated, IBufferWriter<byte> output);

    /// <summary>Writes the lines as they came, each ending in <c>\n</c> (a <c>\r\n</c> line end becomes <c>\n</c>), then the blank terminator when the event had one.</summary>
    protected static void WriteLines(ReadOnlySpan<byte> eventBytes, IReadOnlyList<Range> lines, bool terminated, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var range in lines)
        {
            output.Write(eventBytes[range]);
            output.Write("\n"u8);
        }

        if (terminated)
        {
            output.Write("\n"u8);
        }
    }

    /// <summary>Whether the line is a <c>data</c> field (<c>data</c> alone or <c>data:</c>…).</summary>
    protected static bool IsData(ReadOnlySpan<byte> line) => line.StartsWith("data"u8) && (line.Length == 4 || line[4] == (byte)':');

    /// <summary>The value of a <c>data</c> line: what follows <c>data:</c> without its one optional leading space (empty for <c>data</c> alone).</summary>
    protected static ReadOnlySpan<byte> DataValue(ReadOnlySpan<byte> line) =>
        line.Length <= 5 ? [] : line[5] == (byte)' ' ? line[6..] : line[5..];

    /// <summary>Writes whatever is still held back when the stream ends (nothing by default).</summary>
    protected virtual void CompleteStream(IBufferWriter<byte> output)
    {
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        while (!input.IsEmpty)
        {
            var newline = input.IndexOf((byte)'\n');
            var part = newline < 0 ? input : input[..newline];
            _eventSize += part.Length + 1;
            if (_eventSize > _maxEventBytes)
            {
                throw new InvalidDataException(OversizedEventMessage(_maxEventBytes));
            }

            _eventBytes.Write(part);
            if (newline < 0)
            {
                return;
            }

            var end = _eventBytes.WrittenCount;
            if (end > _lineStart && _eventBytes.WrittenSpan[end - 1] == (byte)'\r')
            {
                end--;
            }

            if (end == _lineStart)
            {
                FlushEvent(output, terminated: true);
            }
            else
            {
                _lines.Add(_lineStart..end);
                _lineStart = _eventBytes.WrittenCount;
            }

            input = input[(newline + 1)..];
        }
    }

    /// <inheritdoc/>
    public void Complete(IBufferWriter<byte> output)
    {
        if (_eventBytes.WrittenCount > _lineStart)
        {
            // The last line, unterminated: kept as it came.
            _lines.Add(_lineStart.._eventBytes.WrittenCount);
        }

        if (_lines.Count > 0)
        {
            FlushEvent(output, terminated: false);
        }

        CompleteStream(output);
    }

    private void FlushEvent(IBufferWriter<byte> output, bool terminated)
    {
        ArgumentNullException.ThrowIfNull(output);
        WriteEvent(_eventBytes.WrittenSpan, _lines, terminated, output);
        _lines.Clear();
        _eventBytes.ResetWrittenCount();
        _lineStart = 0;
        _eventSize = 0;
    }
}
