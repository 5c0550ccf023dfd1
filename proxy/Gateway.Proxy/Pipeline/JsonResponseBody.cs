using System.Buffers;
using System.Text.Json;

namespace Gateway.Proxy.Pipeline;

/// <summary>
/// Writes a JSON response body with its <c>Content-Length</c>: the JSON is written into a buffer and a
/// <see cref="Utf8JsonWriter"/> that the thread reuses (they are busy only while the callback runs, which
/// never awaits), then copied into an array from the pool that is returned, cleared, once the body is written.
/// Every governed response and refusal is written this way, so none allocates its body.
/// </summary>
internal static class JsonResponseBody
{
    private const int MaxRetainedBufferBytes = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>What <paramref name="write"/> writes, as a new array (for a body that is kept as well as written).</summary>
    public static byte[] Serialize<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var (buffer, writer) = Rent();
        try
        {
            write(writer, state);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            Return(buffer, writer);
        }
    }

    /// <summary>Writes what <paramref name="write"/> writes as the response body; headers and status are the caller's.</summary>
    public static Task WriteAsync<TState>(HttpResponse response, TState state, Action<Utf8JsonWriter, TState> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(write);
        var (buffer, writer) = Rent();
        byte[] body;
        int length;
        try
        {
            write(writer, state);
            writer.Flush();
            length = buffer.WrittenCount;
            body = ArrayPool<byte>.Shared.Rent(length);
            buffer.WrittenSpan.CopyTo(body);
        }
        finally
        {
            Return(buffer, writer);
        }

        response.ContentLength = length;
        return WriteAndReturnAsync(response.Body, body, length, cancellationToken);
    }

    /// <summary>The thread's buffer and writer, empty.</summary>
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer) Rent()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        return (buffer, writer);
    }

    /// <summary>Done with the thread's buffer, what was written in it cleared: one grown past what is worth keeping is let go.</summary>
    private static void Return(ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer)
    {
        writer.Reset();
        buffer.Clear();
        if (buffer.Capacity > MaxRetainedBufferBytes)
        {
            t_buffer = null;
            t_writer = null;
        }
    }

    private static async Task WriteAndReturnAsync(Stream destination, byte[] body, int length, CancellationToken cancellationToken)
    {
        try
        {
            await destination.WriteAsync(body.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A governed answer (a decision token, what the upstream said): nothing of it is left in the pool.
            body.AsSpan(0, length).Clear();
            ArrayPool<byte>.Shared.Return(body);
        }
    }
}
