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

    /// <summary>Observes one JSON document (an SSE event's data, or a whole body). Non-JSON input (<c>[DONE]</c>) is ignored.</summary>
    public void ObserveJson(ReadOnlySpan<byte> utf8Json)
    {
        var trimmed = utf8Json.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{')
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(trimmed.ToArray());
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
