using System.Buffers.Text;
using System.Security.Cryptography;

namespace Gateway.Policy.Tokens;

/// <summary>
/// Key material written as base64 in either alphabet, the standard one (RFC 4648 §4) or the URL-safe one (§5), padded
/// or not, as an operator may paste it. Each text is read in one alphabet: one that mixes the two is neither, and refused.
/// </summary>
public static class Base64Text
{
    /// <summary>The bytes <paramref name="text"/> encodes, or null when it is not base64 in one alphabet.</summary>
    public static byte[]? TryDecode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Base64Url.IsValid(text))
        {
            return Base64Url.DecodeFromChars(text);
        }

        if (text.AsSpan().ContainsAny('-', '_'))
        {
            return null;
        }

        // The standard alphabet, whose decoder wants the padding the text may leave out.
        var padded = (text.Length % 4) switch
        {
            2 => text + "==",
            3 => text + "=",
            _ => text,
        };
        var buffer = new byte[padded.Length];
        try
        {
            return Convert.TryFromBase64String(padded, buffer, out var written) ? buffer[..written] : null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }
}
