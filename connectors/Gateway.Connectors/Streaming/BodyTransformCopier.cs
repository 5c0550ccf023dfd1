using System.Buffers;

namespace Gateway.Connectors.Streaming;

/// <summary>Copies a body from a source to a destination stream through an <see cref="IBodyTransform"/>, flushing after every read so streams keep streaming.</summary>
public static class BodyTransformCopier
{
    /// <summary>Copies everything; returns the number of source bytes read.</summary>
    public static async ValueTask<long> CopyAsync(Stream source, Stream destination, IBodyTransform redactor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(redactor);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var output = new ArrayBufferWriter<byte>(16 * 1024);
        long total = 0;
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                redactor.Write(buffer.AsSpan(0, read), output);
                if (output.WrittenCount > 0)
                {
                    await destination.WriteAsync(output.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    output.ResetWrittenCount();
                }

                await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            redactor.Complete(output);
            await destination.WriteAsync(output.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
