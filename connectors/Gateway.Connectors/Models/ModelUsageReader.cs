using System.Text.Json;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Models;

/// <summary>
/// Reads token usage from model responses: OpenAI chat completions (<c>usage.prompt_tokens</c>,
/// <c>completion_tokens</c>), OpenAI responses (<c>usage.input_tokens</c>, <c>output_tokens</c>, also inside
/// <c>response.completed</c> events) and Anthropic (<c>usage.input_tokens</c> + cache tokens,
/// <c>output_tokens</c>; streamed in <c>message_start</c> and <c>message_delta</c>).
/// </summary>
public static class ModelUsageReader
{
    /// <summary>
    /// Usage of a non-streamed JSON response, or null when it has none: read as it is scanned (<see cref="JsonUsageScanner"/>),
    /// so a body cut after its usage object still reports it.
    /// </summary>
    public static ModelUsage? FromJson(ReadOnlySpan<byte> utf8Json)
    {
        var scanner = new JsonUsageScanner();
        scanner.Write(utf8Json);
        scanner.Complete();
        var accumulator = new ModelUsageAccumulator();
        accumulator.ObserveScanned(scanner, streamed: false);
        return accumulator.Usage;
    }

    /// <summary>Usage of a complete SSE body (every event's data is observed), final or not.</summary>
    public static ModelUsage? FromSse(ReadOnlySpan<byte> sseBody) => FromSse(sseBody, out _);

    /// <summary>
    /// As <see cref="FromSse(ReadOnlySpan{byte})"/>, and whether the stream ended before its terminal event
    /// (<paramref name="cut"/>): its usage is then not what the call used.
    /// </summary>
    public static ModelUsage? FromSse(ReadOnlySpan<byte> sseBody, out bool cut)
    {
        var accumulator = new ModelUsageAccumulator();
        foreach (var sseEvent in SseFramer.Enumerate(sseBody))
        {
            if (sseEvent.HasData)
            {
                accumulator.ObserveStreamEvent(sseEvent.Data);
            }
        }

        cut = accumulator.StreamCut;
        return accumulator.Usage;
    }

    internal static bool TryReadUsage(JsonElement root, out long? input, out long? output)
    {
        input = null;
        output = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        JsonElement usage;
        if (!(root.TryGetProperty("usage", out usage) && usage.ValueKind == JsonValueKind.Object)
            && !(root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object && message.TryGetProperty("usage", out usage) && usage.ValueKind == JsonValueKind.Object)
            && !(root.TryGetProperty("response", out var response) && response.ValueKind == JsonValueKind.Object && response.TryGetProperty("usage", out usage) && usage.ValueKind == JsonValueKind.Object))
        {
            return false;
        }

        input = Sum(usage, "prompt_tokens", "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens");
        output = Sum(usage, "completion_tokens", "output_tokens");
        return input is not null || output is not null;
    }

    // A negative count is no count: it would give tokens back to a budget.
    private static long? Sum(JsonElement usage, params ReadOnlySpan<string> names)
    {
        long? total = null;
        foreach (var name in names)
        {
            if (usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 0)
            {
                // Each count at most the largest ceiling a reservation holds: a report of 2^62 tokens (a broken or hostile
                // server's) neither wraps the sum negative, which a settle would read as a refund, nor overflows a total.
                total = (total ?? 0) + Math.Min(n, MaxTokensEstimator.MaxCeiling);
            }
        }

        return total;
    }
}
