using Gateway.Connectors.Streaming;
using Gateway.Policy;

namespace Gateway.Connectors.Models;

/// <summary>
/// Reads token usage from model responses: OpenAI chat completions (<c>usage.prompt_tokens</c>,
/// <c>completion_tokens</c>), OpenAI responses (<c>usage.input_tokens</c>, <c>output_tokens</c>, also inside
/// <c>response.completed</c> events) and Anthropic (<c>usage.input_tokens</c> + cache tokens,
/// <c>output_tokens</c>; streamed in <c>message_start</c> and <c>message_delta</c>), the cache tokens read for an
/// <c>anthropic</c> connector's answer only (<see cref="JsonUsageScanner"/>). Each document is read as it is
/// scanned (<see cref="JsonUsageScanner"/>), as a streamed answer's usage is read while it passes (<see cref="SseUsageTap"/>).
/// </summary>
public static class ModelUsageReader
{
    /// <summary>
    /// Usage of a non-streamed JSON response, or null when it has none: read as it is scanned (<see cref="JsonUsageScanner"/>),
    /// so a body cut after its usage object still reports it; <paramref name="kind"/>: the connector's that answered.
    /// </summary>
    public static ModelUsage? FromJson(ReadOnlySpan<byte> utf8Json, ConnectorKind kind)
    {
        var scanner = new JsonUsageScanner(kind);
        scanner.Write(utf8Json);
        scanner.Complete();
        var accumulator = new ModelUsageAccumulator(kind);
        accumulator.ObserveScanned(scanner, streamed: false);
        return accumulator.Usage;
    }

    /// <summary>Usage of a complete SSE body (every event's data is observed), final or not, from a <paramref name="kind"/> connector.</summary>
    public static ModelUsage? FromSse(ReadOnlySpan<byte> sseBody, ConnectorKind kind) => FromSse(sseBody, kind, out _);

    /// <summary>
    /// As <see cref="FromSse(ReadOnlySpan{byte}, ConnectorKind)"/>, and whether the stream ended before its terminal event
    /// (<paramref name="cut"/>): its usage is then not what the call used.
    /// </summary>
    public static ModelUsage? FromSse(ReadOnlySpan<byte> sseBody, ConnectorKind kind, out bool cut)
    {
        var accumulator = new ModelUsageAccumulator(kind);
        var scanner = new JsonUsageScanner(kind);
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
