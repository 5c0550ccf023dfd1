using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using Gateway.Policy.Canonical;

namespace Gateway.Policy.Tokens;

/// <summary>
/// The JWK SHA-256 thumbprint (RFC 7638 §3): base64url of the SHA-256 of the UTF-8 JSON object of a key's required
/// members, ordered by name, without whitespace (what a token's <c>cnf.jkt</c> and a receipt key's <c>kid</c> are).
/// </summary>
public static class JwkThumbprint
{
    /// <summary>The thumbprint of the key whose required members (string-valued, in any order) are <paramref name="requiredMembers"/>.</summary>
    /// <exception cref="ArgumentException">A value holds a lone surrogate (it has no UTF-8).</exception>
    public static string Of(params ReadOnlySpan<(string Name, string Value)> requiredMembers)
    {
        var members = requiredMembers.ToArray();
        Array.Sort(members, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        var buffer = new ArrayBufferWriter<byte>(256);
        var json = new CanonicalJsonWriter(buffer);
        json.WriteRaw("{"u8);
        for (var i = 0; i < members.Length; i++)
        {
            if (i > 0)
            {
                json.WriteRaw(","u8);
            }

            json.WritePropertyName(members[i].Name);
            json.WriteString(members[i].Value);
        }

        json.WriteRaw("}"u8);
        return Base64Url.EncodeToString(SHA256.HashData(buffer.WrittenSpan));
    }
}
