using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Gateway.Policy.Canonical;

/// <summary>SHA-256 digests over canonical JSON (see <see cref="CanonicalJsonWriter"/>), and a value's RFC 8785 bytes.</summary>
public static class CanonicalJson
{
    private const int MaxRetainedBufferBytes = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>
    /// Lowercase hex SHA-256 of what <paramref name="write"/> produces. Uses a per-thread buffer, so the only
    /// allocation is the returned string.
    /// </summary>
    public static string Sha256Hex<TState>(TState state, Action<CanonicalJsonWriter, TState> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        try
        {
            write(new CanonicalJsonWriter(buffer), state);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.WrittenSpan, hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            if (buffer.Capacity > MaxRetainedBufferBytes)
            {
                t_buffer = null;
            }
        }
    }

    /// <summary>The RFC 8785 (JCS) canonical UTF-8 bytes of <paramref name="value"/> (see <see cref="CanonicalJsonWriter.Rfc8785"/>).</summary>
    /// <exception cref="FormatException">The value is not I-JSON: an object repeats a member name, a string holds a lone surrogate, or a number is beyond a double's range.</exception>
    public static byte[] Rfc8785(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        CanonicalJsonWriter.Rfc8785(buffer).WriteElement(value);
        return buffer.WrittenSpan.ToArray();
    }
}
