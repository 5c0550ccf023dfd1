using System.Buffers;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Models;

/// <summary>
/// Passes a JSON model response through unchanged while keeping a bounded copy, from which the token
/// usage is read when the body ends.
/// </summary>
internal sealed class JsonUsageTap : IBodyTransform
{
    private const int MaxBuffered = 1024 * 1024;
    private readonly ModelUsageAccumulator _usage;
    // The copy, pooled: returned once the usage is read from it.
    private readonly PooledBufferWriter _body = new(4096);
    private bool _overflow;

    public JsonUsageTap(ModelUsageAccumulator usage) => _usage = usage;

    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        output.Write(input);
        if (_overflow || _body.WrittenCount + input.Length > MaxBuffered)
        {
            // Too large to be a model answer worth parsing for usage; the budget keeps the reservation.
            _overflow = true;
            return;
        }

        _body.Write(input);
    }

    public void Complete(IBufferWriter<byte> output)
    {
        try
        {
            if (!_overflow)
            {
                _usage.ObserveJson(_body.WrittenSpan);
            }
        }
        finally
        {
            _body.Return();
        }
    }
}
