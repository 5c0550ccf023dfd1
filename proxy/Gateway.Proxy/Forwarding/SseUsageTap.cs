using System.Text;
using Gateway.Connectors.Models;
using Gateway.Connectors.Streaming;

namespace Gateway.Proxy.Forwarding;

/// <summary>Passes a streamed model response through event by event, reading token usage from each event's <c>data</c>.</summary>
internal sealed class SseUsageTap : SseEventTransform
{
    private const int MaxEventBytes = 1024 * 1024;
    private readonly ModelUsageAccumulator _usage;

    public SseUsageTap(ModelUsageAccumulator usage)
        : base(MaxEventBytes) => _usage = usage;

    protected override void RewriteEvent(IReadOnlyList<string> lines, StringBuilder builder)
    {
        foreach (var line in lines)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                _usage.ObserveJson(Encoding.UTF8.GetBytes(line[5..]));
            }

            builder.Append(line).Append('\n');
        }
    }
}
