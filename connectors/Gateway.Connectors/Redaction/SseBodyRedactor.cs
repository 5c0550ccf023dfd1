using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Redaction of a <c>text/event-stream</c> body. Every field is redacted: <c>data:</c> as JSON (member
/// names, string values and card numbers written as numbers, the event staying valid JSON) or as text,
/// <c>id:</c>, <c>event:</c> and unknown fields as text. A value a model streams piece by piece across
/// events (the same JSON path in consecutive events, e.g. <c>choices[0].delta.content</c>) is redacted
/// as one text: an event whose value might still be continued into something sensitive is held back
/// until the next event shows it complete (see <see cref="SplitValueHoldback"/>). Events larger than the
/// limit fail the stream (fail closed) with <see cref="InvalidDataException"/>.
/// </summary>
public sealed class SseBodyRedactor : SseEventTransform, IBodyRedactor
{
    private static readonly JsonSerializerOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly SplitValueHoldback _holdback;

    public SseBodyRedactor(RedactionCounts? counts = null, int maxEventBytes = 1024 * 1024)
        : base(maxEventBytes)
    {
        Counts = counts ?? new RedactionCounts();
        _holdback = new SplitValueHoldback(Counts, maxHeldChars: maxEventBytes);
    }

    /// <inheritdoc/>
    public RedactionCounts Counts { get; }

    /// <inheritdoc/>
    protected override string OversizedEventMessage(int maxEventBytes) =>
        $"A server-sent event is larger than {maxEventBytes} bytes; the stream is refused rather than forwarded unredacted.";

    /// <inheritdoc/>
    protected override void RewriteEvent(IReadOnlyList<string> lines, StringBuilder builder)
    {
        // One event on its own (not used by this class's own framing, which holds events back): redacted completely.
        ArgumentNullException.ThrowIfNull(builder);
        var alone = new SplitValueHoldback(Counts, maxHeldChars: int.MaxValue);
        foreach (var held in alone.Add(Parse(lines, terminated: false)).Concat(alone.Flush()))
        {
            Write(held, builder);
        }
    }

    /// <inheritdoc/>
    protected override void WriteEvent(IReadOnlyList<string> lines, bool terminated, StringBuilder builder)
    {
        foreach (var released in _holdback.Add(Parse(lines, terminated)))
        {
            Write(released, builder);
        }
    }

    /// <inheritdoc/>
    protected override void CompleteStream(StringBuilder builder)
    {
        foreach (var released in _holdback.Flush())
        {
            Write(released, builder);
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

    private HeldEvent Parse(IReadOnlyList<string> lines, bool terminated)
    {
        var fields = new List<string>();
        var dataIndex = -1;
        foreach (var line in lines)
        {
            if (IsField(line, "data"))
            {
                dataIndex = dataIndex < 0 ? fields.Count : dataIndex;
                continue;
            }

            if (IsField(line, "retry") || line.StartsWith(':'))
            {
                fields.Add(IsField(line, "retry") ? line : TextRedactor.Redact(line, Counts));
                continue;
            }

            // id:, event: and anything unknown: the field name is kept, its value redacted.
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            fields.Add(colon < 0 ? TextRedactor.Redact(line, Counts) : line[..(colon + 1)] + TextRedactor.Redact(line[(colon + 1)..], Counts));
        }

        if (dataIndex < 0)
        {
            return new HeldEvent(fields, -1, null, null, terminated);
        }

        var data = string.Join('\n', lines.Where(l => IsField(l, "data")).Select(l => FieldValue(l, "data")));
        var trimmed = data.AsSpan().TrimStart();
        if (!trimmed.IsEmpty && (trimmed[0] == '{' || trimmed[0] == '['))
        {
            try
            {
                // Member names and numbers now; string values in the hold-back, which reads them across events.
                var redacted = new ArrayBufferWriter<byte>(data.Length + 64);
                JsonRedactor.Redact(Encoding.UTF8.GetBytes(data), redacted, Counts, stringValues: false);
                return new HeldEvent(fields, dataIndex, JsonNode.Parse(redacted.WrittenSpan), null, terminated);
            }
            catch (JsonException)
            {
                // Not JSON after all: redact as text below.
            }
        }

        return new HeldEvent(fields, dataIndex, null, data, terminated);
    }

    private static void Write(HeldEvent held, StringBuilder builder)
    {
        for (var i = 0; i <= held.Fields.Count; i++)
        {
            if (i == held.DataIndex)
            {
                var data = held.Json?.ToJsonString(WriteOptions) ?? held.Text ?? "null";
                foreach (var line in data.Split('\n'))
                {
                    builder.Append("data: ").Append(line).Append('\n');
                }
            }

            if (i < held.Fields.Count)
            {
                builder.Append(held.Fields[i]).Append('\n');
            }
        }

        if (held.Terminated)
        {
            builder.Append('\n');
        }
    }
}
