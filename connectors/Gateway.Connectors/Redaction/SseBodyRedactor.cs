using System.Buffers;
using System.Text;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Redaction of a <c>text/event-stream</c> body. Every field is redacted: <c>data:</c> as JSON (member
/// names, string values and card numbers written as numbers, the event staying valid JSON) or as text;
/// every other line (<c>id:</c>, <c>event:</c>, <c>retry:</c>, comments, unknown fields) as text, whole: an unknown
/// field's name is as much the upstream's text as its value, and a <c>retry:</c> that is not all digits, which a client
/// ignores, is redacted as any other. A value a model streams piece by piece across
/// events (the same JSON path in consecutive events, e.g. <c>choices[0].delta.content</c>, for one choice or item) is redacted
/// as one text: an event whose value might still be continued into something sensitive is held back
/// until the next event shows it complete (see <see cref="SplitValueHoldback"/>). That hold-back applies to every
/// stream (a model's tokens, an HTTP connector's text) but an MCP server's: there each event is one whole JSON-RPC
/// message, and a server-to-client request waits for the client's answer before anything else is sent, so each
/// event is redacted whole and written at once. JSON data is read and
/// written on its UTF-8 bytes (<see cref="SseJsonData"/>). Events larger than the limit, and a stream that is not text a
/// pattern can be matched in (<see cref="UnreadableText"/>: a NUL byte, a UTF-16/UTF-32 byte-order mark, a line that is
/// not UTF-8), fail the stream (fail closed) with <see cref="InvalidDataException"/>.
/// </summary>
public sealed class SseBodyRedactor : SseEventTransform, IBodyRedactor
{
    private readonly SplitValueHoldback _holdback;
    private readonly bool _holdSplitValues;
    private readonly SseJsonData _json;
    private readonly List<HeldEvent> _released = [];
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
        // Text no pattern can be matched in (UTF-16 or UTF-32: a NUL byte, a byte-order mark first; bytes that are not UTF-8)
        // is refused, as every body read as text is. A line holds whole characters: no UTF-8 sequence holds a line break.
        for (var i = 0; i < sseEvent.LineCount; i++)
        {
            var line = sseEvent.Line(i);
            UnreadableText.Refuse(line, _started ? default : line);
            UnreadableText.RefuseInvalidUtf8(line);
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

            // The whole line: no pattern reaches into the names id, event and retry, and an unknown field's name is text like its value.
            fields ??= [];
            fields.Add(TextRedactor.Redact(Encoding.UTF8.GetString(bytes), Counts));
        }

        IReadOnlyList<string> kept = fields ?? (IReadOnlyList<string>)[];
        var dataIndex = sseEvent.FirstDataLine;
        var terminated = sseEvent.Terminated;
        if (dataIndex < 0)
        {
            return new HeldEvent(kept, -1, terminated);
        }

        // The data (valid UTF-8, checked above): member names and numbers now; string values in the hold-back, which reads
        // them across events.
        var data = sseEvent.Data;
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
