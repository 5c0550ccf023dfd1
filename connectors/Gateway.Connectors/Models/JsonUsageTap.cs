using System.Buffers;
using Gateway.Connectors.Streaming;

namespace Gateway.Connectors.Models;

/// <summary>
/// Passes a JSON model response through unchanged while reading its token usage as it goes
/// (<see cref="JsonUsageScanner"/>): nothing of the body is kept, so an answer of any length reports what it used.
/// </summary>
internal sealed class JsonUsageTap : IBodyTransform
{
    private readonly ModelUsageAccumulator _usage;
    private readonly JsonUsageScanner _scanner;

    public JsonUsageTap(ModelUsageAccumulator usage)
    {
        _usage = usage;
        _scanner = new JsonUsageScanner(usage.Kind);
    }

    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        output.Write(input);
        _scanner.Write(input);
    }

    public void Complete(IBufferWriter<byte> output)
    {
        _scanner.Complete();
        _usage.ObserveScanned(_scanner, streamed: false);
    }
}
