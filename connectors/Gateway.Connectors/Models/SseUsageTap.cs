using System.Buffers;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Models;

/// <summary>
/// Passes a streamed model response through event by event, as its bytes, reading token usage from
/// each event's <c>data</c> (<see cref="ModelUsageAccumulator.ObserveStreamEvent"/>).
/// </summary>
internal sealed class SseUsageTap : SseEventTransform
{
    private const int MaxEventBytes = 1024 * 1024;
    private readonly ModelUsageAccumulator _usage;

    public SseUsageTap(ModelUsageAccumulator usage)
        : base(MaxEventBytes) => _usage = usage;

    protected override void WriteEvent(in SseEvent sseEvent, IBufferWriter<byte> output)
    {
        if (sseEvent.HasData)
        {
            _usage.ObserveStreamEvent(sseEvent.Data);
        }

        sseEvent.WriteTo(output);
    }
}
