using System.Text;
using System.Text.Json;
using Gateway.Connectors.Streaming;

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
public sealed class SseBodyRedactor : SseEventTransform, IBodyRedactor
{
    public SseBodyRedactor(RedactionCounts? counts = null, int maxEventBytes = 1024 * 1024)
        : base(maxEventBytes)
    {
        Counts = counts ?? new RedactionCounts();
    }

    /// <inheritdoc/>
    public RedactionCounts Counts { get; }

    /// <inheritdoc/>
    protected override string OversizedEventMessage(int maxEventBytes) =>
        $"A server-sent event is larger than {maxEventBytes} bytes; the stream is refused rather than forwarded unredacted.";

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

    /// <inheritdoc/>
    protected override void RewriteEvent(IReadOnlyList<string> lines, StringBuilder builder)
    {
        var dataWritten = false;
        foreach (var line in lines)
        {
            if (IsField(line, "data"))
            {
                if (!dataWritten)
                {
                    AppendData(lines, builder);
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
    }

    private void AppendData(IReadOnlyList<string> lines, StringBuilder builder)
    {
        var data = string.Join('\n', lines.Where(l => IsField(l, "data")).Select(l => FieldValue(l, "data")));
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
