using System.Text;

namespace Gateway.Policy;

/// <summary>Percent-decoding (RFC 3986) as <see cref="ValueForms"/> compares: hosts, paths, URL paths and mail recipients.</summary>
internal static class PercentDecoding
{
    /// <summary>
    /// Decodes <c>%XX</c> sequences as UTF-8 (<paramref name="unreservedOnly"/>: only those of the unreserved
    /// characters <c>A-Z a-z 0-9 - . _ ~</c>, the others kept as written). Malformed sequences are kept.
    /// </summary>
    public static string Decode(string text, bool unreservedOnly)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return text;
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var length = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '%' && i + 2 < bytes.Length && char.IsAsciiHexDigit((char)bytes[i + 1]) && char.IsAsciiHexDigit((char)bytes[i + 2]))
            {
                var decoded = (byte)((HexValue(bytes[i + 1]) << 4) | HexValue(bytes[i + 2]));
                if (!unreservedOnly || char.IsAsciiLetterOrDigit((char)decoded) || decoded is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
                {
                    bytes[length++] = decoded;
                    i += 2;
                    continue;
                }
            }

            bytes[length++] = bytes[i];
        }

        return Encoding.UTF8.GetString(bytes, 0, length);
    }

    private static int HexValue(byte digit) => digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10;
}
