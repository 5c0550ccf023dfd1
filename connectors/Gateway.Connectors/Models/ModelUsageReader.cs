using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Models;

/// <summary>
/// Reads token usage from model responses: OpenAI chat completions (<c>usage.prompt_tokens</c>,
/// <c>completion_tokens</c>), OpenAI responses (<c>usage.input_tokens</c>, <c>output_tokens</c>, also inside
/// <c>response.completed</c> events) and Anthropic (<c>usage.input_tokens</c> + cache tokens,
/// <c>output_tokens</c>; streamed in <c>message_start</c> and <c>message_delta</c>). Each document is read as it is
/// scanned (<see cref="JsonUsageScanner"/>), as a streamed answer's usage is read while it passes (<see cref="SseUsageTap"/>).
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
        var scanner = new JsonUsageScanner();
        foreach (var sseEvent in SseFramer.Enumerate(sseBody))
        {
            if (sseEvent.HasData)
            {
                scanner.Reset();
                scanner.Write(sseEvent.Data);
                scanner.Complete();
                accumulator.ObserveScanned(scanner, streamed: true, ModelStreamEnd.IsDone(sseEvent.Data));
            }
        }

        cut = accumulator.StreamCut;
        return accumulator.Usage;
    }
}
