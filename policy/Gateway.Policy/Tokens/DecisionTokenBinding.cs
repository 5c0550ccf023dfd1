using System.Buffers.Text;

namespace Gateway.Policy.Tokens;

/// <summary>
/// The last claim of a decision token the gateway issues, <c>"bnd"</c>: base64url(HMAC-SHA256(k, the payload JSON before
/// it)), where k = HKDF-SHA256(a key only the gateway holds, info <c>gamut gateway decision token binding v1</c>). The
/// decision signing key, which executors hold to check tokens offline, signs any payload its holder writes; the binding
/// tells the gateway's own payloads from theirs, so a holder cannot re-sign a live token's record under other claims.
/// </summary>
public sealed class DecisionTokenBinding
{
    // The claim as the payload's last member: `,"bnd":"` + the MAC in base64url + `"}` (the payload's closing brace).
    private static ReadOnlySpan<byte> MemberUtf8 => ",\"bnd\":\""u8;
    private static ReadOnlySpan<byte> EndUtf8 => "\"}"u8;
    private static readonly int EncodedMacLength = Base64Url.GetEncodedLength(HmacKey.MacSize);
    private static readonly int SuffixLength = MemberUtf8.Length + EncodedMacLength + EndUtf8.Length;
    private static readonly byte[] DerivationInfo = "gamut gateway decision token binding v1"u8.ToArray();

    private readonly HmacKey _key;

    /// <param name="rootKey">A key only the gateway holds (its active data-encryption key), at least 32 bytes; never used directly.</param>
    public DecisionTokenBinding(ReadOnlySpan<byte> rootKey)
    {
        if (rootKey.Length < 32)
        {
            throw new ArgumentException("The decision token binding's root key must be at least 32 bytes.", nameof(rootKey));
        }

        _key = HmacKey.Derive(rootKey, DerivationInfo);
    }

    /// <summary>The length of <paramref name="payloadLength"/> bytes of payload JSON once bound.</summary>
    public static int BoundLength(int payloadLength) => payloadLength - 1 + SuffixLength;

    /// <summary>
    /// Writes <paramref name="payloadJson"/> (a JSON object with at least one member) with the binding as its last member
    /// into <paramref name="destination"/> (<see cref="BoundLength"/> bytes).
    /// </summary>
    public void Bind(ReadOnlySpan<byte> payloadJson, Span<byte> destination)
    {
        if (payloadJson.Length < 3 || payloadJson[^1] != (byte)'}')
        {
            throw new ArgumentException("The payload must be a JSON object with members.", nameof(payloadJson));
        }

        var bound = payloadJson[..^1];
        Span<byte> mac = stackalloc byte[HmacKey.MacSize];
        _key.Compute(bound, mac);
        bound.CopyTo(destination);
        var at = bound.Length;
        MemberUtf8.CopyTo(destination[at..]);
        at += MemberUtf8.Length;
        at += Base64Url.EncodeToUtf8(mac, destination[at..]);
        EndUtf8.CopyTo(destination[at..]);
    }

    /// <summary>True when <paramref name="payloadJson"/> ends with the binding, under this key, of all that precedes it (constant time).</summary>
    public bool IsBound(ReadOnlySpan<byte> payloadJson)
    {
        if (payloadJson.Length <= SuffixLength)
        {
            return false;
        }

        var suffix = payloadJson[^SuffixLength..];
        var encoded = suffix.Slice(MemberUtf8.Length, EncodedMacLength);
        Span<byte> presented = stackalloc byte[HmacKey.MacSize];
        return suffix.StartsWith(MemberUtf8) && suffix.EndsWith(EndUtf8)
            && Base64Url.IsValid(encoded, out var length) && length == HmacKey.MacSize
            && Base64Url.DecodeFromUtf8(encoded, presented) == HmacKey.MacSize
            && _key.Verify(payloadJson[..^SuffixLength], presented);
    }
}
