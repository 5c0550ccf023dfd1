using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Gateway.Policy.Serialization;

/// <summary>
/// Serialises into one buffer and writer per thread, reused, for JSON that is read at once and not kept (a token's
/// payload, signed and encoded): no array per call. The writer's options are the defaults, as
/// <see cref="JsonSerializer.SerializeToUtf8Bytes{TValue}(TValue, JsonTypeInfo{TValue})"/> uses for the source-generated
/// contexts here (no encoder, not indented), so the bytes are the same.
/// </summary>
internal static class ThreadJson
{
    // A rare large value must not pin its buffer to the thread for good.
    private const int MaxRetainedBufferBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// <paramref name="value"/> as UTF-8 JSON, in the thread's buffer: valid only until the thread serialises again, so
    /// read it before calling anything that may.
    /// </summary>
    public static ReadOnlySpan<byte> Serialize<TValue>(TValue value, JsonTypeInfo<TValue> typeInfo)
    {
        var buffer = t_buffer;
        if (buffer is null || buffer.Capacity > MaxRetainedBufferBytes)
        {
            t_buffer = buffer = new ArrayBufferWriter<byte>(1024);
        }

        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        JsonSerializer.Serialize(writer, value, typeInfo);
        writer.Flush();
        return buffer.WrittenSpan;
    }
}
