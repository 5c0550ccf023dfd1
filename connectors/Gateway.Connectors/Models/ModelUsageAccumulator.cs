using System.Text.Json;

namespace Gateway.Connectors.Models;

/// <summary>
/// Collects usage while a model response streams: feed each SSE event's <c>data</c> (<see cref="ObserveStreamEvent"/>)
/// or a whole JSON body (<see cref="ObserveJson"/>). Streamed counts are cumulative, so the largest input and output seen
/// are kept; a stream's are final only once its terminal event came (<see cref="StreamCut"/>).
/// </summary>
public sealed class ModelUsageAccumulator
{
    private long? _input;
    private long? _output;
    private bool _streamed;
    private bool _streamEnded;

    /// <summary>The usage seen so far, or null when none was reported.</summary>
    public ModelUsage? Usage => _input is null && _output is null ? null : new ModelUsage(_input ?? 0, _output ?? 0);

    /// <summary>
    /// Whether a stream was observed that ended before its terminal event (<c>[DONE]</c>, <c>message_stop</c>,
    /// <c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c>): its usage so far is not what the
    /// call used (Anthropic reports the input and one output token at the start, the rest at the end).
    /// </summary>
    public bool StreamCut => _streamed && !_streamEnded;

    /// <summary>
    /// Observes one SSE event's <c>data</c>: its usage (<see cref="ObserveJson"/>), and whether it ends the stream, read from
    /// one parse. Only an event whose bytes could name usage or a terminal type is parsed.
    /// </summary>
    public void ObserveStreamEvent(ReadOnlySpan<byte> data)
    {
        _streamed = true;
        var trimmed = data.Trim(" \t\r\n"u8);
        if (trimmed.SequenceEqual(ModelStreamEnd.Done))
        {
            _streamEnded = true;
            return;
        }

        // The terminal types (ModelStreamEnd) hold "message_stop" or "response.".
        if (MayName(trimmed, "usage"u8) || MayName(trimmed, "message_stop"u8) || MayName(trimmed, "response."u8))
        {
            Observe(trimmed, streamed: true);
        }
    }

    /// <summary>
    /// Observes one JSON document (an SSE event's data, or a whole body). Non-JSON input (<c>[DONE]</c>) is
    /// ignored, and so is a document that cannot name a <c>usage</c> member: one whose bytes hold neither
    /// <c>usage</c> nor a <c>\u</c> escape (the only way to spell the name otherwise) is not parsed at all,
    /// which is every content event of a stream.
    /// </summary>
    public void ObserveJson(ReadOnlySpan<byte> utf8Json)
    {
        var trimmed = utf8Json.TrimStart(" \t\r\n"u8);
        if (MayName(trimmed, "usage"u8))
        {
            Observe(trimmed, streamed: false);
        }
    }

    // Whether a JSON object's bytes can name the member or value: they hold it, or a \u escape (the only other spelling).
    private static bool MayName(ReadOnlySpan<byte> json, ReadOnlySpan<byte> text) =>
        !json.IsEmpty && json[0] == (byte)'{' && (json.IndexOf(text) >= 0 || json.IndexOf("\\u"u8) >= 0);

    // One parse: the usage the document reports and, for a stream's event, whether its type ends the stream.
    private void Observe(ReadOnlySpan<byte> json, bool streamed)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            if (ModelUsageReader.TryReadUsage(document.RootElement, out var input, out var output))
            {
                _input = Max(_input, input);
                _output = Max(_output, output);
            }

            _streamEnded |= streamed && ModelStreamEnd.IsTerminal(document.RootElement);
        }
        catch (JsonException)
        {
            // Not JSON: nothing to read.
        }
    }

    /// <summary>
    /// Observes what <paramref name="scanner"/> read of one document, complete (a whole body, or a stream's event; with
    /// <paramref name="done"/>, the stream's <c>[DONE]</c>).
    /// </summary>
    internal void ObserveScanned(JsonUsageScanner scanner, bool streamed, bool done = false)
    {
        _streamed |= streamed;
        if (scanner.TryGetUsage(out var input, out var output))
        {
            _input = Max(_input, input);
            _output = Max(_output, output);
        }

        _streamEnded |= streamed && (done || scanner.Terminal);
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
