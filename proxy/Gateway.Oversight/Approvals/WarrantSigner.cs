using System.Text.Json;
using Gateway.Oversight.Options;
using Gateway.Policy.Tokens;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Issues and verifies warrants in the gateway's one HMAC token format (<see cref="MacToken"/>, version <c>w1</c>):
/// <c>w1.&lt;base64url(claims JSON)&gt;.&lt;base64url(HMAC-SHA256(k, "w1." + claims part))&gt;</c>
/// where k = HKDF-SHA256(<see cref="OversightKeys.GatewayRootKey"/>, the active data-encryption key, info
/// <c>gamut gateway approval warrant v2</c>): a key only the gateway holds (executors and webhook receivers hold the
/// decision signing key, so a key derived from it would let them mint warrants), and no token of another purpose
/// verifies as a warrant. Rotating the data key ends every outstanding warrant (a new poll issues one under the new key).
/// </summary>
public sealed class WarrantSigner
{
    /// <summary>The version prefix of every warrant.</summary>
    public const string Version = "w1";

    private const int MaxWarrantLength = 4096;
    private static ReadOnlySpan<byte> PrefixUtf8 => "w1."u8;
    private static readonly byte[] DerivationInfo = "gamut gateway approval warrant v2"u8.ToArray();
    private readonly HmacKey _key;

    public WarrantSigner(OversightKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.GatewayRootKey.Length < OversightKeys.MinimumKeyBytes)
        {
            throw new ArgumentException($"The gateway root key must be at least {OversightKeys.MinimumKeyBytes} bytes.", nameof(keys));
        }

        if (!keys.GatewayRootKeyIsSeparate)
        {
            throw new ArgumentException("The gateway root key must be a key only the gateway holds, not the decision signing or service key.", nameof(keys));
        }

        _key = HmacKey.Derive(keys.GatewayRootKey.Span, DerivationInfo);
    }

    /// <summary>Signs the claims.</summary>
    public string Issue(WarrantClaims claims) =>
        MacToken.Sign(_key, PrefixUtf8, JsonSerializer.SerializeToUtf8Bytes(claims, OversightJsonContext.Default.WarrantClaims));

    /// <summary>Checks form and signature (not expiry or binding); the claims when genuine.</summary>
    public bool TryVerify(string? warrant, out WarrantClaims? claims, out string? reason)
    {
        claims = null;
        var check = MacToken.TryRead(_key, Version + ".", warrant, MaxWarrantLength, out var claimsJson);
        if (check != MacTokenCheck.Valid)
        {
            reason = check == MacTokenCheck.SignatureInvalid ? WarrantReasons.BadSignature : WarrantReasons.Malformed;
            return false;
        }

        try
        {
            claims = JsonSerializer.Deserialize(claimsJson, OversightJsonContext.Default.WarrantClaims);
        }
        catch (JsonException)
        {
            claims = null;
        }

        reason = claims is null ? WarrantReasons.Malformed : null;
        return claims is not null;
    }
}
