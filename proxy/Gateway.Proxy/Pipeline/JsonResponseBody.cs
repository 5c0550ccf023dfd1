using System.Buffers;
using System.Text.Json;

namespace Gateway.Proxy.Pipeline;

/// <summary>
/// Writes a JSON response body with its <c>Content-Length</c>: the JSON is written into a buffer and a
/// <see cref="Utf8JsonWriter"/> that the thread reuses (they are busy only while the callback runs, which
/// never awaits), then copied into an array from the pool that is returned once the body is written.
/// Every governed response and refusal is written this way, so none allocates its body.
/// </summary>
internal static class JsonResponseBody
{
    private const int MaxRetainedBufferBytes = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Writes what <paramref name="write"/> writes as the response body; headers and status are the caller's.</summary>
    public static Task WriteAsync<TState>(HttpResponse response, TState state, Action<Utf8JsonWriter, TState> write, CancellationToken cancellationToken) =>
        WriteAsync(response, state, write, asEvent: false, cancellationToken);

    /// <summary>
    /// Writes what <paramref name="write"/> writes as one server-sent event (<see cref="SseMessageEvent"/>) on a response that
    /// is already an event stream, and flushes it.
    /// </summary>
    public static async Task WriteEventAsync<TState>(HttpResponse response, TState state, Action<Utf8JsonWriter, TState> write, CancellationToken cancellationToken)
    {
        await WriteAsync(response, state, write, asEvent: true, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task WriteAsync<TState>(HttpResponse response, TState state, Action<Utf8JsonWriter, TState> write, bool asEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(write);
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        byte[] body;
        int length;
        try
        {
            if (asEvent)
            {
                buffer.Write(SseMessageEvent.Prefix);
            }

            write(writer, state);
            writer.Flush();
            if (asEvent)
            {
                buffer.Write(SseMessageEvent.Suffix);
            }

            length = buffer.WrittenCount;
            body = ArrayPool<byte>.Shared.Rent(length);
            buffer.WrittenSpan.CopyTo(body);
        }
        finally
        {
            writer.Reset();
            if (buffer.Capacity > MaxRetainedBufferBytes)
            {
                t_buffer = null;
                t_writer = null;
            }
        }

        if (!asEvent)
        {
            response.ContentLength = length;
        }

        return WriteAndReturnAsync(response.Body, body, length, cancellationToken);
    }

    private static async Task WriteAndReturnAsync(Stream destination, byte[] body, int length, CancellationToken cancellationToken)
    {
        try
        {
            await destination.WriteAsync(body.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }
}
