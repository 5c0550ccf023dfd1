using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Oversight.Options;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Issues and verifies warrants: <c>w1.&lt;base64url(claims JSON)&gt;.&lt;base64url(HMAC-SHA256(k, "w1." + claims part))&gt;</c>
/// where k = HKDF-SHA256(decision signing key, info <c>gamut-warrant-v1</c>), so a warrant can never
/// be confused with a decision token signed by the same root key.
/// </summary>
public sealed class WarrantSigner
{
    /// <summary>The version prefix of every warrant.</summary>
    public const string Version = "w1";

    private const int MaxWarrantLength = 4096;
    private static readonly byte[] DerivationInfo = "gamut-warrant-v1"u8.ToArray();
    private readonly byte[] _key;

    public WarrantSigner(OversightKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.DecisionSigningKey.Length < OversightKeys.MinimumKeyBytes)
        {
            throw new ArgumentException($"The decision signing key must be at least {OversightKeys.MinimumKeyBytes} bytes.", nameof(keys));
        }

        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, keys.DecisionSigningKey.Span.ToArray(), 32, salt: [], info: DerivationInfo);
    }

    /// <summary>Signs the claims.</summary>
    public string Issue(WarrantClaims claims)
    {
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims, OversightJsonContext.Default.WarrantClaims));
        var signed = Version + "." + payload;
        return signed + "." + Base64Url.EncodeToString(Mac(signed));
    }

    /// <summary>Checks form and signature (not expiry or binding); the claims when genuine.</summary>
    public bool TryVerify(string? warrant, out WarrantClaims? claims, out string? reason)
    {
        claims = null;
        reason = WarrantReasons.Malformed;
        if (string.IsNullOrEmpty(warrant) || warrant.Length > MaxWarrantLength)
        {
            return false;
        }

        var parts = warrant.Split('.');
        if (parts.Length != 3 || parts[0] != Version || !Base64Url.IsValid(parts[1]) || !Base64Url.IsValid(parts[2]))
        {
            return false;
        }

        var presented = Base64Url.DecodeFromChars(parts[2]);
        var expected = Mac(parts[0] + "." + parts[1]);
        if (!CryptographicOperations.FixedTimeEquals(presented, expected))
        {
            reason = WarrantReasons.BadSignature;
            return false;
        }

        try
        {
            claims = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(parts[1]), OversightJsonContext.Default.WarrantClaims);
        }
        catch (JsonException)
        {
            claims = null;
        }

        if (claims is null)
        {
            reason = WarrantReasons.Malformed;
            return false;
        }

        reason = null;
        return true;
    }

    private byte[] Mac(string signed) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(signed));
}
