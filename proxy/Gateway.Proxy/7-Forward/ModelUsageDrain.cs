using System.Buffers;
using Gateway.Connectors.Models;
using Gateway.Connectors.Streaming;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Reads on a model's answer refused at the connector's <c>max_response_bytes</c> through its usage tap alone, so that the call
/// is settled at the usage the provider reports at the answer's end (where OpenAI and Anthropic put it): nothing of what is
/// read is held or passed on, and the read stops at the connector's timeout or at <see cref="MaxDrainBytes"/>, whatever the
/// agent does. Only an answer read to its end completes the tap; one cut short leaves it unfinished (a JSON answer reports
/// nothing, a stream's end is unseen), so the call is charged at least its reservation.
/// </summary>
internal static class ModelUsageDrain
{
    /// <summary>The most that is read past the limit for the usage: an answer longer than this is charged at least its reservation.</summary>
    public const long MaxDrainBytes = 64L * 1024 * 1024;

    private const int ReadBytes = 16 * 1024;

    /// <summary>The tap that reads a model answer's usage into <paramref name="usage"/>: by event for a stream, else as one JSON document.</summary>
    public static IBodyTransform Tap(ModelUsageAccumulator usage, bool eventStream) =>
        eventStream ? new SseUsageTap(usage) : new JsonUsageTap(usage);

    /// <summary>As <see cref="DrainAsync(Stream, IBodyTransform, ReadOnlyMemory{byte}, TimeSpan)"/>, from the stream <paramref name="upstream"/> is read from.</summary>
    public static async ValueTask<bool> DrainAsync(HttpContent upstream, IBodyTransform tap, ReadOnlyMemory<byte> read, TimeSpan timeout)
    {
        Stream stream;
        try
        {
            stream = await upstream.ReadAsStreamAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }

        return await DrainAsync(stream, tap, read, timeout).ConfigureAwait(false);
    }

    /// <summary>
    /// Passes <paramref name="read"/> (what was read and not yet tapped), then the rest of <paramref name="upstream"/>, through
    /// <paramref name="tap"/>, and completes it at the answer's end; true when the answer was read to its end within
    /// <paramref name="timeout"/> and <see cref="MaxDrainBytes"/>.
    /// </summary>
    public static async ValueTask<bool> DrainAsync(Stream upstream, IBodyTransform tap, ReadOnlyMemory<byte> read, TimeSpan timeout)
    {
        var discard = new Discard();
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBytes);
        using var stop = new CancellationTokenSource(timeout);
        try
        {
            var drained = (long)read.Length;
            tap.Write(read.Span, discard);
            while (drained <= MaxDrainBytes)
            {
                var count = await upstream.ReadAsync(buffer, stop.Token).ConfigureAwait(false);
                if (count == 0)
                {
                    tap.Complete(discard);
                    return true;
                }

                drained += count;
                tap.Write(buffer.AsSpan(0, count), discard);
            }

            return false;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or HttpRequestException or ObjectDisposedException or InvalidDataException)
        {
            // The answer could not be read to its end (timed out, reset, undecodable): its usage is not final.
            return false;
        }
        finally
        {
            buffer.AsSpan().Clear();
            ArrayPool<byte>.Shared.Return(buffer);
            discard.Clear();
        }
    }

    /// <summary>Where a tap's pass-through copy goes: one scratch buffer, written over and never read.</summary>
    private sealed class Discard : IBufferWriter<byte>
    {
        private byte[] _scratch = new byte[4096];

        public void Advance(int count)
        {
        }

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            if (sizeHint > _scratch.Length)
            {
                _scratch = new byte[sizeHint];
            }

            return _scratch;
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public void Clear() => _scratch.AsSpan().Clear();
    }
}
