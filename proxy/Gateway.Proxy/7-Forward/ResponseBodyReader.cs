using System.Buffers;
using System.Runtime.CompilerServices;
using Gateway.Connectors.Models;
using Gateway.Policy;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Reads an upstream body whole, never more than a limit, into a pooled buffer sized by the declared
/// length when there is one (a fresh 64 KiB buffer per response was most of the bytes the allow path
/// allocated). The buffer's used part is cleared before it goes back to the pool: it held upstream bytes
/// that had not been redacted yet.
/// </summary>
internal static class ResponseBodyReader
{
    private const int UndeclaredFirstRead = 16 * 1024;

    /// <summary>At most <paramref name="limit"/> bytes; <c>More</c> says whether the body went on.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(byte[] Bytes, bool More)> ReadUpToAsync(HttpContent content, long limit, CancellationToken cancellationToken)
    {
        var (bytes, more, _) = await ReadUpToAsync(content, limit, drain: null, cancellationToken).ConfigureAwait(false);
        return (bytes, more);
    }

    /// <summary>
    /// As <see cref="ReadUpToAsync(HttpContent, long, CancellationToken)"/>, for a model's answer: one that goes on past the limit
    /// is read on to its end through a usage tap alone (<see cref="ModelUsageDrain"/>, within <paramref name="drainTimeout"/>),
    /// whose usage <c>PastLimit</c> holds (read as a <paramref name="kind"/> connector's); null when the answer ended within the limit.
    /// </summary>
    public static ValueTask<(byte[] Bytes, bool More, ModelUsageAccumulator? PastLimit)> ReadModelAnswerUpToAsync(HttpContent content, long limit, bool eventStream, ConnectorKind kind, TimeSpan drainTimeout, CancellationToken cancellationToken) =>
        ReadUpToAsync(content, limit, (drainTimeout, eventStream, kind), cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<(byte[] Bytes, bool More, ModelUsageAccumulator? PastLimit)> ReadUpToAsync(HttpContent content, long limit, (TimeSpan Timeout, bool EventStream, ConnectorKind Kind)? drain, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        // A limit past what one array holds reads what one array holds: the body is returned as one.
        limit = Math.Min(limit, Array.MaxLength - 1);
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            // Room for one byte past the limit (or past the declared length): that byte tells a body that
            // went on from one that ended there. A declared length is only a hint; the bytes decide.
            var capacity = (int)limit + 1;
            var first = content.Headers.ContentLength is { } declared && declared < capacity ? (int)declared + 1 : Math.Min(capacity, UndeclaredFirstRead);
            var buffer = ArrayPool<byte>.Shared.Rent(first);
            var count = 0;
            try
            {
                while (true)
                {
                    if (count == buffer.Length)
                    {
                        buffer = Grow(buffer, count, (int)Math.Min(capacity, (long)buffer.Length * 2));
                    }

                    var read = await stream.ReadAsync(buffer.AsMemory(count, Math.Min(buffer.Length, capacity) - count), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return (buffer.AsSpan(0, count).ToArray(), false, null);
                    }

                    count += read;
                    if (count > limit)
                    {
                        var bytes = buffer.AsSpan(0, (int)limit).ToArray();
                        if (drain is not { } model)
                        {
                            return (bytes, true, null);
                        }

                        var usage = new ModelUsageAccumulator(model.Kind);
                        await ModelUsageDrain.DrainAsync(stream, ModelUsageDrain.Tap(usage, model.EventStream), buffer.AsMemory(0, count), model.Timeout).ConfigureAwait(false);
                        return (bytes, true, usage);
                    }
                }
            }
            finally
            {
                buffer.AsSpan(0, count).Clear();
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static byte[] Grow(byte[] buffer, int count, int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, count).CopyTo(larger);
        buffer.AsSpan(0, count).Clear();
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }
}
