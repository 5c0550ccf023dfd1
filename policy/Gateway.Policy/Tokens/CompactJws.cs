using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Serialization;

namespace Gateway.Policy.Tokens;

/// <summary>
/// One JSON Web Signature in compact serialisation (RFC 7515), parsed strictly: three base64url parts, a JSON object
/// header and payload (text only, as <see cref="JsonText"/> says: an escaped lone surrogate is no character and makes
/// the JWS malformed; duplicate member names refused), no <c>crit</c> header. Verification is the caller's choice of
/// algorithm and key, never the token's: a token only ever says which algorithm it claims, and each caller accepts one.
/// The gateway's one JWS reader: access tokens, client assertions and DPoP proofs (Gateway.Oversight), and receipts,
/// checkpoints and manifest signatures (<see cref="Evidence.EvidenceToken"/>). People's identity tokens are an OpenID
/// provider's and are validated by Microsoft.IdentityModel with the provider's keys (docs/architecture.md says why).
/// </summary>
public sealed class CompactJws
{
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 16 };

    private static readonly System.Buffers.SearchValues<char> Base64UrlAlphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private readonly byte[] _signingInput;
    private readonly byte[] _signature;

    private CompactJws(JsonElement header, JsonElement payload, byte[] signingInput, byte[] signature)
    {
        Header = header;
        Payload = payload;
        _signingInput = signingInput;
        _signature = signature;
    }

    public JsonElement Header { get; }

    public JsonElement Payload { get; }

    /// <summary>The header's <c>alg</c>, or empty.</summary>
    public string Algorithm => HeaderString("alg") ?? string.Empty;

    /// <summary>True when the header has a <c>crit</c> member (only a JWS parsed with <c>refuseCritical: false</c> can).</summary>
    public bool HasCriticalHeader => Header.TryGetProperty("crit", out _);

    /// <summary>
    /// Parses <paramref name="text"/>; false when it is not a well-formed JWS of at most <paramref name="maxLength"/>
    /// characters, or (unless <paramref name="refuseCritical"/> is false, for a caller that reports it under a reason of
    /// its own) when its header has a <c>crit</c> member: no extension is understood here.
    /// </summary>
    public static bool TryParse(string? text, int maxLength, out CompactJws? jws, bool refuseCritical = true)
    {
        jws = null;
        if (string.IsNullOrEmpty(text) || text.Length > maxLength)
        {
            return false;
        }

        var first = text.IndexOf('.', StringComparison.Ordinal);
        var second = first < 0 ? -1 : text.IndexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || second == text.Length - 1 || text.IndexOf('.', second + 1) >= 0)
        {
            return false;
        }

        if (!TryDecodeObject(text.AsSpan(0, first), out var header)
            || !TryDecodeObject(text.AsSpan(first + 1, second - first - 1), out var payload)
            || !TryDecode(text.AsSpan(second + 1), out var signature)
            || (refuseCritical && header.TryGetProperty("crit", out _)))
        {
            return false;
        }

        jws = new CompactJws(header, payload, Encoding.ASCII.GetBytes(text, 0, second), signature);
        return true;
    }

    /// <summary>Signs <paramref name="header"/> and <paramref name="payload"/> (UTF-8 JSON objects) with HMAC-SHA256.</summary>
    public static string SignHs256(HmacKey key, ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(key);
        var signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload);
        Span<byte> mac = stackalloc byte[HmacKey.MacSize];
        key.Compute(Encoding.ASCII.GetBytes(signingInput), mac);
        return signingInput + "." + Base64Url.EncodeToString(mac);
    }

    /// <summary>True when the header says HS256 and the MAC under <paramref name="key"/> matches (constant time).</summary>
    public bool VerifyHs256(HmacKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Algorithm == "HS256" && _signature.Length == HmacKey.MacSize && key.Verify(_signingInput, _signature);
    }

    /// <summary>True when the MAC over the signing input is <paramref name="verify"/>'s to accept (an HMAC key held elsewhere).</summary>
    public bool VerifyHs256(Func<byte[], byte[], bool> verify) =>
        Algorithm == "HS256" && _signature.Length == HmacKey.MacSize && verify(_signingInput, _signature);

    /// <summary>
    /// True when <paramref name="verify"/> accepts the signature over the signing input under the header's own
    /// <see cref="Algorithm"/> (a public key held elsewhere, which must check that it signs with that algorithm).
    /// </summary>
    public bool VerifyWith(Func<string, byte[], byte[], bool> verify)
    {
        ArgumentNullException.ThrowIfNull(verify);
        return Algorithm.Length > 0 && verify(Algorithm, _signingInput, _signature);
    }

    /// <summary>True when the header says ES256 and the signature (R‖S, 64 bytes) verifies under <paramref name="key"/>.</summary>
    public bool VerifyEs256(ECDsa key) =>
        Algorithm == "ES256" && _signature.Length == 64
        && key.VerifyData(_signingInput, _signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public string? HeaderString(string name) => StringOf(Header, name);

    public string? ClaimString(string name) => StringOf(Payload, name);

    /// <summary>A NumericDate claim (whole seconds), or null when absent or not an integer.</summary>
    public long? ClaimSeconds(string name) =>
        Payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) ? seconds : null;

    /// <summary>True when the <c>aud</c> claim is <paramref name="audience"/> or an array holding it.</summary>
    public bool HasAudience(string audience)
    {
        if (!Payload.TryGetProperty("aud", out var aud))
        {
            return false;
        }

        if (aud.ValueKind == JsonValueKind.String)
        {
            return aud.ValueEquals(audience);
        }

        if (aud.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in aud.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.ValueEquals(audience))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool TryDecodeObject(ReadOnlySpan<char> part, out JsonElement element)
    {
        element = default;
        return TryDecode(part, out var bytes) && TryParseObject(bytes, out element);
    }

    /// <summary>A JSON object parsed as a JWS header or payload is (text, no duplicate members, depth 16), or false.</summary>
    public static bool TryParseObject(byte[] bytes, out JsonElement element)
    {
        element = default;
        try
        {
            // A lone surrogate escape parses, then throws InvalidOperationException wherever a string of it is read.
            JsonText.ThrowIfNotText(bytes);
            using var document = JsonDocument.Parse(bytes, Strict);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            element = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Strict base64url as a JWS part is (the alphabet only: no padding, no whitespace; not empty), or false.</summary>
    public static bool TryDecode(ReadOnlySpan<char> part, out byte[] bytes)
    {
        bytes = [];
        // The base64url alphabet only: no padding, no whitespace (which the decoder would skip).
        if (part.IsEmpty || part.ContainsAnyExcept(Base64UrlAlphabet) || !Base64Url.IsValid(part, out var length))
        {
            return false;
        }

        bytes = new byte[length];
        return Base64Url.TryDecodeFromChars(part, bytes, out var written) && written == length;
    }
}
