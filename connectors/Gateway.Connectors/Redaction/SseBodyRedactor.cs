using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Redaction of a <c>text/event-stream</c> body, one event at a time: the event's lines are collected
/// across network chunks until its blank line, its <c>data:</c> lines are joined and redacted as JSON
/// (when they are JSON, so the event stays valid JSON) or as text, and the event is written at once.
/// Events larger than the limit fail the stream (fail closed) with <see cref="InvalidDataException"/>.
/// </summary>
/// <remarks>
/// Each event is redacted on its own: a value a model streams token by token across several events
/// (deltas) is not reassembled.
/// </remarks>
public sealed class SseBodyRedactor : IBodyRedactor
{
    private readonly ArrayBufferWriter<byte> _line = new(256);
    private readonly List<string> _event = [];
    private readonly int _maxEventBytes;
    private int _eventBytes;

    public SseBodyRedactor(RedactionCounts? counts = null, int maxEventBytes = 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEventBytes);
        Counts = counts ?? new RedactionCounts();
        _maxEventBytes = maxEventBytes;
    }

    /// <inheritdoc/>
    public RedactionCounts Counts { get; }

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
                throw new InvalidDataException($"A server-sent event is larger than {_maxEventBytes} bytes; the stream is refused rather than forwarded unredacted.");
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
    }

    private static bool IsField(string line, string field) =>
        line.StartsWith(field, StringComparison.Ordinal) && (line.Length == field.Length || line[field.Length] == ':');

    private static string FieldValue(string line, string field)
    {
        if (line.Length <= field.Length + 1)
        {
            return string.Empty;
        }

        var value = line.AsSpan(field.Length + 1);
        return (value[0] == ' ' ? value[1..] : value).ToString();
    }

    private void FlushEvent(IBufferWriter<byte> output, bool terminated)
    {
        ArgumentNullException.ThrowIfNull(output);
        var builder = new StringBuilder();
        var dataWritten = false;
        foreach (var line in _event)
        {
            if (IsField(line, "data"))
            {
                if (!dataWritten)
                {
                    AppendData(builder);
                    dataWritten = true;
                }
            }
            else if (IsField(line, "event") || IsField(line, "id") || IsField(line, "retry"))
            {
                builder.Append(line).Append('\n');
            }
            else
            {
                builder.Append(TextRedactor.Redact(line, Counts)).Append('\n');
            }
        }

        if (terminated)
        {
            builder.Append('\n');
        }

        _event.Clear();
        _eventBytes = 0;
        var text = builder.ToString();
        var destination = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, destination));
    }

    private void AppendData(StringBuilder builder)
    {
        var data = string.Join('\n', _event.Where(l => IsField(l, "data")).Select(l => FieldValue(l, "data")));
        var trimmed = data.AsSpan().TrimStart();
        if (!trimmed.IsEmpty && (trimmed[0] == '{' || trimmed[0] == '['))
        {
            try
            {
                var counts = new RedactionCounts();
                var redacted = JsonRedactor.Redact(Encoding.UTF8.GetBytes(data), counts);
                Counts.Add(counts);
                builder.Append("data: ").Append(Encoding.UTF8.GetString(redacted)).Append('\n');
                return;
            }
            catch (JsonException)
            {
                // Not JSON after all: redact as text below.
            }
        }

        foreach (var line in TextRedactor.Redact(data, Counts).Split('\n'))
        {
            builder.Append("data: ").Append(line).Append('\n');
        }
    }
}
