using System.Buffers;

namespace Gateway.Proxy.Transforms;

/// <summary>Reads an upstream body whole, never more than a limit.</summary>
internal static class ResponseBodyReader
{
    /// <summary>At most <paramref name="limit"/> bytes; <c>More</c> says whether the body went on.</summary>
    public static async ValueTask<(byte[] Bytes, bool More)> ReadUpToAsync(HttpContent content, long limit, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new ArrayBufferWriter<byte>((int)Math.Min(limit + 1, 64 * 1024));
            while (true)
            {
                var memory = buffer.GetMemory(16 * 1024);
                var read = await stream.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (buffer.WrittenSpan.ToArray(), false);
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    return (buffer.WrittenSpan[..(int)limit].ToArray(), true);
                }
            }
        }
    }
}
