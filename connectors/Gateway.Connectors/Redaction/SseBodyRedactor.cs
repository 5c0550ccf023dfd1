using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Redaction of a <c>text/event-stream</c> body. Every field is redacted: <c>data:</c> as JSON (member
/// names, string values and card numbers written as numbers, the event staying valid JSON) or as text,
/// <c>id:</c>, <c>event:</c> and unknown fields as text. A value a model streams piece by piece across
/// events (the same JSON path in consecutive events, e.g. <c>choices[0].delta.content</c>) is redacted
/// as one text: an event whose value might still be continued into something sensitive is held back
/// until the next event shows it complete (see <see cref="SplitValueHoldback"/>). JSON data is read and
/// written on its UTF-8 bytes (<see cref="SseJsonData"/>). Events larger than the limit fail the stream
/// (fail closed) with <see cref="InvalidDataException"/>.
/// </summary>
public sealed class SseBodyRedactor : SseEventTransform, IBodyRedactor
{
    private readonly SplitValueHoldback _holdback;
    private readonly SseJsonData _json;
    private readonly ArrayBufferWriter<byte> _data = new(1024);
    private readonly List<HeldEvent> _released = [];

    public SseBodyRedactor(RedactionCounts? counts = null, int maxEventBytes = 1024 * 1024)
        : base(maxEventBytes)
    {
        Counts = counts ?? new RedactionCounts();
        _holdback = new SplitValueHoldback(Counts, maxHeldChars: maxEventBytes);
        _json = new SseJsonData(Counts);
    }

    /// <inheritdoc/>
    public RedactionCounts Counts { get; }

    /// <inheritdoc/>
    protected override string OversizedEventMessage(int maxEventBytes) =>
        $"A server-sent event is larger than {maxEventBytes} bytes; the stream is refused rather than forwarded unredacted.";

    /// <inheritdoc/>
    protected override void WriteEvent(ReadOnlySpan<byte> eventBytes, IReadOnlyList<Range> lines, bool terminated, IBufferWriter<byte> output)
    {
        _holdback.Add(Parse(eventBytes, lines, terminated), _released);
        Write(_released, output);
    }

    /// <inheritdoc/>
    protected override void CompleteStream(IBufferWriter<byte> output)
    {
        _holdback.Flush(_released);
        Write(_released, output);
    }

    private static bool IsField(string line, string field) =>
        line.StartsWith(field, StringComparison.Ordinal) && (line.Length == field.Length || line[field.Length] == ':');

    private HeldEvent Parse(ReadOnlySpan<byte> eventBytes, IReadOnlyList<Range> lines, bool terminated)
    {
        List<string>? fields = null;
        var dataIndex = -1;
        _data.ResetWrittenCount();
        foreach (var range in lines)
        {
            var bytes = eventBytes[range];
            if (IsData(bytes))
            {
                // The data lines' values joined by \n, as UTF-8 (invalid sequences replaced, as decoding does).
                if (dataIndex >= 0)
                {
                    _data.Write("\n"u8);
                }

                dataIndex = dataIndex < 0 ? fields?.Count ?? 0 : dataIndex;
                var value = DataValue(bytes);
                if (Utf8.IsValid(value))
                {
                    _data.Write(value);
                }
                else
                {
                    Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(value), _data);
                }

                continue;
            }

            fields ??= [];
            var line = Encoding.UTF8.GetString(bytes);
            if (IsField(line, "retry") || line.StartsWith(':'))
            {
                fields.Add(IsField(line, "retry") ? line : TextRedactor.Redact(line, Counts));
                continue;
            }

            // id:, event: and anything unknown: the field name is kept, its value redacted.
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            fields.Add(colon < 0 ? TextRedactor.Redact(line, Counts) : line[..(colon + 1)] + TextRedactor.Redact(line[(colon + 1)..], Counts));
        }

        IReadOnlyList<string> kept = fields ?? (IReadOnlyList<string>)[];
        if (dataIndex < 0)
        {
            return new HeldEvent(kept, -1, terminated);
        }

        // Member names and numbers now; string values in the hold-back, which reads them across events.
        var data = _data.WrittenSpan;
        if (SseJsonData.LooksLikeJson(data) && _json.Read(data, kept, dataIndex, terminated) is { } json)
        {
            return json;
        }

        var text = Encoding.UTF8.GetString(data);
        return new HeldEvent(kept, dataIndex, terminated) { Values = [new HeldValue(SplitValueHoldback.TextPath, streamed: true, text, start: -1, length: 0)] };
    }

    private void Write(List<HeldEvent> released, IBufferWriter<byte> output)
    {
        foreach (var held in released)
        {
            Write(held, output);
        }

        released.Clear();
    }

    private void Write(HeldEvent held, IBufferWriter<byte> output)
    {
        for (var i = 0; i <= held.Fields.Count; i++)
        {
            if (i == held.DataIndex)
            {
                WriteData(held, output);
            }

            if (i < held.Fields.Count)
            {
                Encoding.UTF8.GetBytes(held.Fields[i], output);
                output.Write("\n"u8);
            }
        }

        if (held.Terminated)
        {
            output.Write("\n"u8);
        }
    }

    private void WriteData(HeldEvent held, IBufferWriter<byte> output)
    {
        if (held.Json is not null)
        {
            // Compact JSON: one line.
            output.Write("data: "u8);
            _json.Write(held, output);
            output.Write("\n"u8);
            return;
        }

        foreach (var line in held.Values[0].Value.AsSpan().Split('\n'))
        {
            output.Write("data: "u8);
            Encoding.UTF8.GetBytes(held.Values[0].Value.AsSpan(line), output);
            output.Write("\n"u8);
        }
    }
}
