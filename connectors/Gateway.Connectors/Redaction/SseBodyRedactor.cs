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
/// until the next event shows it complete (see <see cref="SplitValueHoldback"/>). That hold-back applies to every
/// stream (a model's tokens, an HTTP connector's text) but an MCP server's: there each event is one whole JSON-RPC
/// message, and a server-to-client request waits for the client's answer before anything else is sent, so each
/// event is redacted whole and written at once. JSON data is read and
/// written on its UTF-8 bytes (<see cref="SseJsonData"/>). Events larger than the limit, and a stream that is not text a
/// pattern can be matched in (<see cref="UnreadableText"/>), fail the stream (fail closed) with <see cref="InvalidDataException"/>.
/// </summary>
public sealed class SseBodyRedactor : SseEventTransform, IBodyRedactor
{
    private readonly SplitValueHoldback _holdback;
    private readonly bool _holdSplitValues;
    private readonly SseJsonData _json;
    private readonly List<HeldEvent> _released = [];
    private ArrayBufferWriter<byte>? _replacedData;
    private bool _started;

    /// <param name="counts">Where the redactions are counted.</param>
    /// <param name="maxEventBytes">The largest event; a larger one fails the stream.</param>
    /// <param name="holdSplitValues">
    /// True (a model's token stream, an HTTP connector's stream): a value streamed piece by piece is redacted as one text,
    /// its events held back until it is complete. False for an MCP server's stream: each event redacted whole and written at once.
    /// </param>
    public SseBodyRedactor(RedactionCounts? counts = null, int maxEventBytes = 1024 * 1024, bool holdSplitValues = true)
        : base(maxEventBytes, $"A server-sent event is larger than {maxEventBytes} bytes; the stream is refused rather than forwarded unredacted.")
    {
        Counts = counts ?? new RedactionCounts();
        _holdSplitValues = holdSplitValues;
        _holdback = new SplitValueHoldback(Counts, maxHeldChars: maxEventBytes);
        _json = new SseJsonData(Counts);
    }

    /// <inheritdoc/>
    public RedactionCounts Counts { get; }

    /// <inheritdoc/>
    protected override void WriteEvent(in SseEvent sseEvent, IBufferWriter<byte> output)
    {
        // Text no pattern can be matched in (UTF-16 or UTF-32: a NUL byte, a byte-order mark first) is refused, as every body read as text is.
        for (var i = 0; i < sseEvent.LineCount; i++)
        {
            var line = sseEvent.Line(i);
            UnreadableText.Refuse(line, _started ? default : line);
            _started = true;
        }

        _holdback.Add(Parse(sseEvent), _released);
        if (!_holdSplitValues)
        {
            // Nothing waits for a later event: this one is released, redacted as it stands.
            _holdback.Flush(_released);
        }

        Write(_released, output);
    }

    /// <inheritdoc/>
    protected override void CompleteStream(IBufferWriter<byte> output)
    {
        _holdback.Flush(_released);
        Write(_released, output);
    }

    private HeldEvent Parse(in SseEvent sseEvent)
    {
        // The data lines are written where the first of them stood, among the other fields.
        List<string>? fields = null;
        for (var i = 0; i < sseEvent.LineCount; i++)
        {
            var bytes = sseEvent.Line(i);
            if (SseField.IsData(bytes))
            {
                continue;
            }

            fields ??= [];
            var line = Encoding.UTF8.GetString(bytes);
            var retry = SseField.Is(bytes, "retry"u8);
            if (retry || SseField.IsComment(bytes))
            {
                fields.Add(retry ? line : TextRedactor.Redact(line, Counts));
                continue;
            }

            // id:, event: and anything unknown: the field name is kept, its value redacted.
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            fields.Add(colon < 0 ? TextRedactor.Redact(line, Counts) : line[..(colon + 1)] + TextRedactor.Redact(line[(colon + 1)..], Counts));
        }

        IReadOnlyList<string> kept = fields ?? (IReadOnlyList<string>)[];
        var dataIndex = sseEvent.FirstDataLine;
        var terminated = sseEvent.Terminated;
        if (dataIndex < 0)
        {
            return new HeldEvent(kept, -1, terminated);
        }

        // The data as UTF-8 (invalid sequences replaced, as decoding does). Member names and numbers now;
        // string values in the hold-back, which reads them across events.
        var data = sseEvent.Data;
        if (!Utf8.IsValid(data))
        {
            _replacedData ??= new ArrayBufferWriter<byte>(data.Length);
            _replacedData.ResetWrittenCount();
            Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(data), _replacedData);
            data = _replacedData.WrittenSpan;
        }

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
