using System.Text;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// A credential's base64 spellings, standard (<c>+/</c>, padded or not) and URL-safe (<c>-_</c>, RFC 4648 §5): the value
/// encoded on its own (an echoed <c>Authorization: Basic</c> of a <c>user:password</c> credential) and inside a longer
/// encoded text (a JWT-like payload, a Basic pair around it). Inside one, what the value encodes to depends on where it
/// starts modulo 3 bytes: for each of the three alignments the characters decided by the value's bytes alone (its core),
/// and, where the encoded text ends with the value, the character that mixes its last bits with zero bits, then padding.
/// The one or two characters that mix its first bits with the bytes before it are not known, and are not matched.
/// </summary>
internal static class Base64Spellings
{
    /// <summary>Every spelling as written: each alignment's core, and the core with the ending it has at the end of the text.</summary>
    public static IEnumerable<string> Exact(string secret)
    {
        foreach (var (core, tail, padding) in Aligned(secret))
        {
            foreach (var spelling in (string[])[core, core + tail, core + tail + padding])
            {
                yield return spelling;
                yield return UrlSafe(spelling);
            }
        }
    }

    /// <summary>Each alignment's core in both alphabets: what an escaped echo (<c>\u002B</c>, <c>\/</c>, <c>%2F</c>) reads as.</summary>
    public static IEnumerable<string> Cores(string secret)
    {
        foreach (var (core, _, _) in Aligned(secret))
        {
            yield return core;
            yield return UrlSafe(core);
        }
    }

    /// <summary>The <c>user:password</c> pair a Basic credential (<c>Basic</c> and base64, or the base64 alone) encodes; else null.</summary>
    public static string? BasicPair(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var encoded = secret.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) ? secret[6..].Trim() : secret;
        var bytes = new byte[(encoded.Length * 3 / 4) + 3];
        if (encoded.Length == 0 || !Convert.TryFromBase64String(encoded, bytes, out var written))
        {
            return null;
        }

        string pair;
        try
        {
            pair = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        return pair.Contains(':', StringComparison.Ordinal) && !pair.Any(char.IsControl) ? pair : null;
    }

    // For each alignment (the value starting 0, 1 or 2 bytes into a group of three): the characters only its bytes decide,
    // the one that ends it when nothing follows (its last bits and zero bits; empty when it ends a group), and the padding.
    private static IEnumerable<(string Core, string Tail, string Padding)> Aligned(string secret)
    {
        var value = Encoding.UTF8.GetBytes(secret);
        for (var offset = 0; offset < 3; offset++)
        {
            var bytes = new byte[offset + value.Length];
            value.CopyTo(bytes, offset);
            var encoded = Convert.ToBase64String(bytes);
            var unpadded = encoded.TrimEnd('=');
            var start = ((8 * offset) + 5) / 6;
            var end = 8 * bytes.Length / 6;
            yield return (encoded[start..end], unpadded[end..], encoded[unpadded.Length..]);
        }
    }

    private static string UrlSafe(string standard) => standard.Replace('+', '-').Replace('/', '_');
}
