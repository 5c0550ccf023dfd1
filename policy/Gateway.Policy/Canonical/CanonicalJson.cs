using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gateway.Policy.Canonical;

/// <summary>Canonical JSON (see <see cref="CanonicalJsonWriter"/>) and SHA-256 digests over it.</summary>
public static class CanonicalJson
{
    private const int MaxRetainedBufferBytes = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>The canonical JSON text of <paramref name="element"/>.</summary>
    public static string Serialize(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new CanonicalJsonWriter(buffer).WriteElement(element);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The canonical JSON text of a JSON document.</summary>
    public static string Serialize(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Serialize(document.RootElement);
    }

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
}
