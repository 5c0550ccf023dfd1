using System.Text.Json;

namespace Gateway.Connectors.Models;

/// <summary>
/// Collects usage while a model response streams: feed each SSE event's <c>data</c> (or a whole JSON body).
/// Streamed counts are cumulative, so the largest input and output seen are kept.
/// </summary>
public sealed class ModelUsageAccumulator
{
    private long? _input;
    private long? _output;

    /// <summary>The usage seen so far, or null when none was reported.</summary>
    public ModelUsage? Usage => _input is null && _output is null ? null : new ModelUsage(_input ?? 0, _output ?? 0);

    /// <summary>
    /// Observes one JSON document (an SSE event's data, or a whole body). Non-JSON input (<c>[DONE]</c>) is
    /// ignored, and so is a document that cannot name a <c>usage</c> member: one whose bytes hold neither
    /// <c>usage</c> nor a <c>\u</c> escape (the only way to spell the name otherwise) is not parsed at all,
    /// which is every content event of a stream.
    /// </summary>
    public void ObserveJson(ReadOnlySpan<byte> utf8Json)
    {
        var trimmed = utf8Json.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{' || (trimmed.IndexOf("usage"u8) < 0 && trimmed.IndexOf("\\u"u8) < 0))
        {
            return;
        }

        try
        {
            var reader = new Utf8JsonReader(trimmed);
            using var document = JsonDocument.ParseValue(ref reader);
            if (ModelUsageReader.TryReadUsage(document.RootElement, out var input, out var output))
            {
                _input = Max(_input, input);
                _output = Max(_output, output);
            }
        }
        catch (JsonException)
        {
            // Not JSON: nothing to read.
        }
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
