using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Oversight.Options;
using Gateway.Policy.Tokens;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Issues and verifies warrants in the gateway's one HMAC token format (<see cref="MacToken"/>, version <c>w1</c>):
/// <c>w1.&lt;base64url(claims JSON)&gt;.&lt;base64url(HMAC-SHA256(k, "w1." + claims part))&gt;</c>
/// where k = HKDF-SHA256(decision signing key, info <c>gamut-warrant-v1</c>), so a warrant can never
/// be confused with a decision token signed by the same root key.
/// </summary>
public sealed class WarrantSigner
{
    /// <summary>The version prefix of every warrant.</summary>
    public const string Version = "w1";

    private const int MaxWarrantLength = 4096;
    private static ReadOnlySpan<byte> PrefixUtf8 => "w1."u8;
    private static readonly byte[] DerivationInfo = "gamut-warrant-v1"u8.ToArray();
    private readonly HmacKey _key;

    public WarrantSigner(OversightKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.DecisionSigningKey.Length < OversightKeys.MinimumKeyBytes)
        {
            throw new ArgumentException($"The decision signing key must be at least {OversightKeys.MinimumKeyBytes} bytes.", nameof(keys));
        }

        _key = new HmacKey(HKDF.DeriveKey(HashAlgorithmName.SHA256, keys.DecisionSigningKey.Span.ToArray(), 32, salt: [], info: DerivationInfo));
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
