using System.Buffers.Text;
using System.Text;

namespace Gateway.Policy.Tokens;

/// <summary>
/// The gateway's one HMAC token format for what it signs for itself:
/// <c>&lt;version&gt;.&lt;base64url(claims JSON)&gt;.&lt;base64url(HMAC-SHA256(key, "&lt;version&gt;." + claims part))&gt;</c>.
/// Decision tokens use it with <c>v1</c> (agent-protocol "Decision tokens") and approval warrants with <c>w1</c> under a
/// key derived for them; what a token's claims mean and whether it is still live is its reader's to say. Access tokens
/// are not this format: they are RFC 9068 JWTs that OAuth clients expect (<see cref="CompactJws"/>).
/// </summary>
public static class MacToken
{
    // The base64url alphabet: the decoder would skip whitespace, so that one signature had many spellings.
    private static readonly System.Buffers.SearchValues<byte> Base64UrlAlphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8);

    /// <summary>Signs <paramref name="claimsJson"/> under <paramref name="prefix"/> (the version and its dot, ASCII: <c>"v1."u8</c>).</summary>
    public static string Sign(HmacKey key, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> claimsJson)
    {
        ArgumentNullException.ThrowIfNull(key);
        // Prefix + claims part, signed, "." + signature part: written once as ASCII, one string at the end.
        var signingInputLength = prefix.Length + Base64Url.GetEncodedLength(claimsJson.Length);
        var length = signingInputLength + 1 + Base64Url.GetEncodedLength(HmacKey.MacSize);
        var token = length <= 1024 ? stackalloc byte[length] : new byte[length];
        prefix.CopyTo(token);
        Base64Url.EncodeToUtf8(claimsJson, token[prefix.Length..signingInputLength]);
        Span<byte> signature = stackalloc byte[HmacKey.MacSize];
        key.Compute(token[..signingInputLength], signature);
        token[signingInputLength] = (byte)'.';
        Base64Url.EncodeToUtf8(signature, token[(signingInputLength + 1)..]);
        return Encoding.ASCII.GetString(token);
    }

    /// <summary>
    /// Checks <paramref name="token"/>'s form and its MAC under <paramref name="key"/> (constant time) and decodes its
    /// claims; never throws for bad input. <paramref name="prefix"/> is the version and its dot (<c>"v1."</c>).
    /// </summary>
    public static MacTokenCheck TryRead(HmacKey key, string prefix, string? token, int maxLength, out byte[] claimsJson)
    {
        ArgumentNullException.ThrowIfNull(key);
        claimsJson = [];
        if (string.IsNullOrEmpty(token) || token.Length > maxLength || !token.StartsWith(prefix, StringComparison.Ordinal))
        {
            return MacTokenCheck.Malformed;
        }

        var dot = token.IndexOf('.', prefix.Length);
        if (dot < 0 || token.IndexOf('.', dot + 1) >= 0 || !Ascii.IsValid(token))
        {
            return MacTokenCheck.Malformed;
        }

        Span<byte> ascii = token.Length <= 4096 ? stackalloc byte[token.Length] : new byte[token.Length];
        Encoding.ASCII.GetBytes(token, ascii);
        var signingInput = ascii[..dot];
        var signaturePart = ascii[(dot + 1)..];
        Span<byte> presented = stackalloc byte[HmacKey.MacSize];
        Span<byte> canonical = stackalloc byte[Base64Url.GetEncodedLength(HmacKey.MacSize)];
        if (signaturePart.ContainsAnyExcept(Base64UrlAlphabet) || ascii[prefix.Length..dot].ContainsAnyExcept(Base64UrlAlphabet)
            || !Base64Url.IsValid(signaturePart, out var signatureLength) || signatureLength != HmacKey.MacSize
            || Base64Url.DecodeFromUtf8(signaturePart, presented) != HmacKey.MacSize
            || Base64Url.EncodeToUtf8(presented, canonical) != canonical.Length || !canonical.SequenceEqual(signaturePart))
        {
            // One signature, one spelling: whitespace, padding or unused trailing bits would let a token be presented anew.
            return MacTokenCheck.Malformed;
        }

        if (!key.Verify(signingInput, presented))
        {
            return MacTokenCheck.SignatureInvalid;
        }

        var claimsPart = signingInput[prefix.Length..];
        if (!Base64Url.IsValid(claimsPart, out var claimsLength))
        {
            return MacTokenCheck.Malformed;
        }

        claimsJson = new byte[claimsLength];
        claimsJson = claimsJson[..Base64Url.DecodeFromUtf8(claimsPart, claimsJson)];
        return MacTokenCheck.Valid;
    }
}
