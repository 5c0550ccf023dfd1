using System.Buffers;
using System.Text;

namespace Gateway.Connectors.Streaming;

/// <summary>
/// The framing shared by transforms of a <c>text/event-stream</c> body: lines are collected across
/// network chunks until an event's blank line, the whole event is handed to <see cref="RewriteEvent"/>,
/// and its result is written at once. An event larger than the limit fails the stream with
/// <see cref="InvalidDataException"/> (fail closed: nothing half-transformed is forwarded).
/// </summary>
public abstract class SseEventTransform : IBodyTransform
{
    // The current event's lines, as received (UTF-8), and where each lies in it (without its line end).
    private readonly ArrayBufferWriter<byte> _eventBytes = new(1024);
    private readonly List<Range> _lines = [];
    private readonly List<string> _event = [];
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

    /// <summary>Appends the rewritten event's lines (each ending in <c>\n</c>, without the blank terminator) to <paramref name="builder"/>.</summary>
    protected abstract void RewriteEvent(IReadOnlyList<string> lines, StringBuilder builder);

    /// <summary>
    /// Writes what is to be written for one event, given as its UTF-8 bytes and the range of each line in
    /// them: by default the event's lines decoded and rewritten by <see cref="RewriteEvent"/> and, when it
    /// was <paramref name="terminated"/> by a blank line, that terminator. A transform that holds events
    /// back (to see the next one first) or works on the UTF-8 directly overrides this and <see cref="CompleteStream"/>.
    /// </summary>
    protected virtual void WriteEvent(ReadOnlySpan<byte> eventBytes, IReadOnlyList<Range> lines, bool terminated, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(lines);
        _event.Clear();
        foreach (var line in lines)
        {
            _event.Add(Encoding.UTF8.GetString(eventBytes[line]));
        }

        var builder = new StringBuilder();
        RewriteEvent(_event, builder);
        if (terminated)
        {
            builder.Append('\n');
        }

        Emit(builder, output);
    }

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

    private static void Emit(StringBuilder builder, IBufferWriter<byte> output)
    {
        if (builder.Length == 0)
        {
            return;
        }

        var text = builder.ToString();
        var destination = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, destination));
    }
}
