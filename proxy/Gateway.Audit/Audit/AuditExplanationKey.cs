using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Audit;

/// <summary>
/// An explanation digest held as 32 bytes, the key of a tenant's explanation index: a lowercase hex SHA-256 (every digest
/// the gateway stores) as its bytes, any other text as the SHA-256 of its UTF-8 (two digests share a key only when equal).
/// </summary>
internal readonly record struct AuditExplanationKey(ulong First, ulong Second, ulong Third, ulong Fourth)
{
    private static readonly SearchValues<char> LowercaseHex = SearchValues.Create("0123456789abcdef");

    /// <summary>The key of <paramref name="digest"/>.</summary>
    public static AuditExplanationKey Of(string digest)
    {
        Span<byte> bytes = stackalloc byte[32];
        if (digest.Length == 64 && !digest.AsSpan().ContainsAnyExcept(LowercaseHex))
        {
            Convert.FromHexString(digest, bytes, out _, out _);
        }
        else
        {
            SHA256.HashData(Encoding.UTF8.GetBytes(digest), bytes);
        }

        return new AuditExplanationKey(
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));
    }
}
