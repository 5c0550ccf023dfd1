using System.Buffers;
using Gateway.Connectors.Models;
using Gateway.Connectors.Streaming;

namespace Gateway.Proxy.Forwarding;

/// <summary>
/// Passes a model response through unchanged while reading its token usage: each SSE event's
/// <c>data</c> as it completes, or a JSON body (up to a bound) when it ends.
/// </summary>
internal sealed class UsageTap : IBodyTransform
{
    private const int MaxBuffered = 1024 * 1024;
    private readonly ModelUsageAccumulator _usage;
    private readonly bool _eventStream;
    private readonly ArrayBufferWriter<byte> _pending = new();
    private bool _overflow;

    public UsageTap(ModelUsageAccumulator usage, bool eventStream)
    {
        _usage = usage;
        _eventStream = eventStream;
    }

    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        output.Write(input);
        if (_overflow)
        {
            return;
        }

        if (_pending.WrittenCount + input.Length > MaxBuffered)
        {
            // Usage arrives in small final events; an oversized line is never one of them.
            _pending.ResetWrittenCount();
            _overflow = !_eventStream;
            return;
        }

        _pending.Write(input);
        if (_eventStream)
        {
            DrainLines();
        }
    }

    public void Complete(IBufferWriter<byte> output)
    {
        if (_overflow)
        {
            return;
        }

        if (_eventStream)
        {
            DrainLines();
            ObserveLine(_pending.WrittenSpan);
        }
        else
        {
            _usage.ObserveJson(_pending.WrittenSpan);
        }

        _pending.ResetWrittenCount();
    }

    private void DrainLines()
    {
        var span = _pending.WrittenSpan;
        var consumed = 0;
        int newline;
        while ((newline = span[consumed..].IndexOf((byte)'\n')) >= 0)
        {
            ObserveLine(span.Slice(consumed, newline));
            consumed += newline + 1;
        }

        if (consumed > 0)
        {
            var rest = span[consumed..].ToArray();
            _pending.ResetWrittenCount();
            _pending.Write(rest);
        }
    }

    private void ObserveLine(ReadOnlySpan<byte> line)
    {
        line = line.TrimEnd((byte)'\r');
        if (line.StartsWith("data:"u8))
        {
            _usage.ObserveJson(line[5..]);
        }
    }
}
