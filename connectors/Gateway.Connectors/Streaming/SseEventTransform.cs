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
    private readonly ArrayBufferWriter<byte> _line = new(256);
    private readonly List<string> _event = [];
    private readonly int _maxEventBytes;
    private int _eventBytes;

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
    /// Writes what is to be written for one event: by default the rewritten event and, when it was
    /// <paramref name="terminated"/> by a blank line, that terminator. A transform that holds events back
    /// (to see the next one first) or writes UTF-8 directly overrides this and <see cref="CompleteStream"/>.
    /// </summary>
    protected virtual void WriteEvent(IReadOnlyList<string> lines, bool terminated, IBufferWriter<byte> output)
    {
        var builder = new StringBuilder();
        RewriteEvent(lines, builder);
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
            _eventBytes += part.Length + 1;
            if (_eventBytes > _maxEventBytes)
            {
                throw new InvalidDataException(OversizedEventMessage(_maxEventBytes));
            }

            _line.Write(part);
            if (newline < 0)
            {
                return;
            }

            var line = _line.WrittenSpan;
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (line.IsEmpty)
            {
                FlushEvent(output, terminated: true);
            }
            else
            {
                _event.Add(Encoding.UTF8.GetString(line));
            }

            _line.ResetWrittenCount();
            input = input[(newline + 1)..];
        }
    }

    /// <inheritdoc/>
    public void Complete(IBufferWriter<byte> output)
    {
        if (_line.WrittenCount > 0)
        {
            _event.Add(Encoding.UTF8.GetString(_line.WrittenSpan));
            _line.ResetWrittenCount();
        }

        if (_event.Count > 0)
        {
            FlushEvent(output, terminated: false);
        }

        CompleteStream(output);
    }

    private void FlushEvent(IBufferWriter<byte> output, bool terminated)
    {
        ArgumentNullException.ThrowIfNull(output);
        WriteEvent(_event, terminated, output);
        _event.Clear();
        _eventBytes = 0;
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
