using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gamut.Agent;

/// <summary>
/// Offline verification of the gateway's signed decision receipts (docs/evidence.md): a compact JWS, ES256, <c>typ</c>
/// <c>gamut-receipt+jws</c>, signed by a key of the gateway's JWKS (<c>/.well-known/gamut-receipt-keys.json</c>). Only
/// public keys are needed; the algorithm is always ES256 (the token's header is compared, never obeyed), and a key
/// whose <c>kid</c> is not its RFC 7638 thumbprint is not used.
/// </summary>
public static class GamutReceipts
{
    public const string ReceiptType = "gamut-receipt+jws";

    public const string CheckpointType = "gamut-checkpoint+jws";

    private static readonly string[] RequiredStrings = ["tenant", "replica", "request_id", "agent", "decision", "leaf_hash", "record_hash"];

    /// <summary>Verifies <paramref name="receipt"/> with the JWKS (its JSON text); returns the claims or throws <see cref="GamutReceiptException"/>.</summary>
    public static JsonElement VerifyReceipt(string receipt, string jwks)
    {
        var claims = VerifyEvidenceToken(receipt, jwks, ReceiptType);
        var valid = Int(claims, "v") == 1 && Int(claims, "leaf_index") is not null && Int(claims, "iat") is not null
            && RequiredStrings.All(name => claims.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            && (!claims.TryGetProperty("actor_chain", out var chain) || (chain.ValueKind == JsonValueKind.Array && chain.EnumerateArray().All(static link =>
                link.ValueKind == JsonValueKind.Object && link.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String
                && link.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String)));
        return valid ? claims : throw new GamutReceiptException("invalid_claims");
    }

    /// <summary>Verifies a compact JWS of the receipt keys with the given <c>typ</c> (a checkpoint: <see cref="CheckpointType"/>); returns its payload.</summary>
    public static JsonElement VerifyEvidenceToken(string token, string jwks, string type)
    {
        ArgumentNullException.ThrowIfNull(jwks);
        var parts = token is { Length: > 0 and <= 16384 } ? token.Split('.') : [];
        if (parts.Length != 3 || Object(parts[0]) is not { } header || Object(parts[1]) is not { } payload || Bytes(parts[2]) is not { } signature)
        {
            throw new GamutReceiptException("malformed");
        }

        if (Text(header, "alg") != "ES256" || header.TryGetProperty("crit", out _))
        {
            throw new GamutReceiptException("unsupported_algorithm");
        }

        if (Text(header, "typ") != type)
        {
            throw new GamutReceiptException("wrong_type");
        }

        using var key = Text(header, "kid") is { } kid ? KeyOf(jwks, kid) : null;
        if (key is null)
        {
            throw new GamutReceiptException("unknown_key");
        }

        var input = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        return signature.Length == 64 && key.VerifyData(input, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            ? payload
            : throw new GamutReceiptException("bad_signature");
    }

    private static ECDsa? KeyOf(string jwks, string kid)
    {
        using var document = JsonDocument.Parse(jwks);
        if (!document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var jwk in keys.EnumerateArray())
        {
            if (Text(jwk, "kty") == "EC" && Text(jwk, "crv") == "P-256" && Text(jwk, "kid") == kid && Text(jwk, "x") is { } x && Text(jwk, "y") is { } y
                && Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes($"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{x}\",\"y\":\"{y}\"}}"))) == kid
                && Bytes(x) is { Length: 32 } qx && Bytes(y) is { Length: 32 } qy)
            {
                return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = qx, Y = qy } });
            }
        }

        return null;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    private static JsonElement? Object(string part)
    {
        if (Bytes(part) is not { } bytes)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowDuplicateProperties = false });
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[]? Bytes(string part)
    {
        if (part.Length == 0 || part.Any(static c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) || !Base64Url.IsValid(part, out var length))
        {
            return null;
        }

        var bytes = new byte[length];
        return Base64Url.TryDecodeFromChars(part, bytes, out var written) && written == length ? bytes : null;
    }
}

/// <summary>A receipt or checkpoint that does not verify; <see cref="GamutException.Code"/> is malformed, unsupported_algorithm, wrong_type, unknown_key, bad_signature or invalid_claims.</summary>
public sealed class GamutReceiptException(string code) : GamutException($"The receipt does not verify ({code}).", code);
