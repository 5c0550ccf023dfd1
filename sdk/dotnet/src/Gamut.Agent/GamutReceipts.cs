using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gamut.Agent;

/// <summary>
/// Offline verification of the gateway's signed decision receipts (docs/evidence.md). The gateway signs the receipts of
/// one audit group together: a compact JWS, ES256, <c>typ</c> <c>gamut-receipt-batch+jws</c>, signs the RFC 6962 Merkle
/// root of the group's claims, and each receipt is <c>signed-root~base64url(claims)~base64url(audit path)</c>. A receipt
/// issued before batching (a compact JWS of the claims, <c>typ</c> <c>gamut-receipt+jws</c>) still verifies. Keys come
/// from the gateway's JWKS (<c>/.well-known/gamut-receipt-keys.json</c>). Only public keys are needed; the algorithm is always ES256 (the token's header is compared, never obeyed), and a key
/// whose <c>kid</c> is not its RFC 7638 thumbprint is not used.
/// </summary>
public static class GamutReceipts
{
    public const string ReceiptType = "gamut-receipt+jws";

    public const string ReceiptBatchType = "gamut-receipt-batch+jws";

    public const string CheckpointType = "gamut-checkpoint+jws";

    private static readonly string[] RequiredStrings = ["tenant", "replica", "request_id", "agent", "decision", "leaf_hash", "record_hash"];

    /// <summary>Verifies <paramref name="receipt"/> with the JWKS (its JSON text); returns the claims or throws <see cref="GamutReceiptException"/>.</summary>
    public static JsonElement VerifyReceipt(string receipt, string jwks)
    {
        var batched = receipt is not null && receipt.Contains('~', StringComparison.Ordinal);
        var claims = batched ? OpenBatched(receipt!, jwks) : VerifyEvidenceToken(receipt!, jwks, ReceiptType);
        var valid = Int(claims, "v") == (batched ? 2 : 1) && Int(claims, "leaf_index") is not null && Int(claims, "iat") is not null
            && RequiredStrings.All(name => claims.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            && (!claims.TryGetProperty("actor_chain", out var chain) || (chain.ValueKind == JsonValueKind.Array && chain.EnumerateArray().All(static link =>
                link.ValueKind == JsonValueKind.Object && link.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String
                && link.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String)));
        return valid ? claims : throw new GamutReceiptException("invalid_claims");
    }

    // A batched receipt: the signed root, then the claims' path to it (RFC 9162 section 2.1.3.2).
    private static JsonElement OpenBatched(string receipt, string jwks)
    {
        var parts = receipt.Length <= 16384 ? receipt.Split('~') : [];
        var claimBytes = parts.Length == 3 ? Bytes(parts[1]) : null;
        var pathBytes = parts.Length != 3 ? null : parts[2].Length == 0 ? [] : Bytes(parts[2]);
        if (claimBytes is null || Object(parts[1]) is not { } claims || pathBytes is null || pathBytes.Length % 32 != 0 || pathBytes.Length > 16 * 32)
        {
            throw new GamutReceiptException("malformed");
        }

        var statement = VerifyEvidenceToken(parts[0], jwks, ReceiptBatchType);
        if (Int(statement, "v") != 2 || Int(statement, "size") is not { } size || size is < 1 or > 65536
            || Text(statement, "root") is not { Length: 64 } root || !root.All(static c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f')
            || Int(claims, "v") != 2 || Int(claims, "batch_index") is not { } index)
        {
            throw new GamutReceiptException("invalid_claims");
        }

        var leaf = SHA256.HashData([0x00, .. claimBytes]);
        return Includes(leaf, index, size, pathBytes.Chunk(32).ToList(), Convert.FromHexString(root)) ? claims : throw new GamutReceiptException("not_in_batch");
    }

    private static bool Includes(byte[] leaf, long index, long size, List<byte[]> path, byte[] root)
    {
        if (index < 0 || index >= size)
        {
            return false;
        }

        var (fn, sn, r) = (index, size - 1, leaf);
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = SHA256.HashData([0x01, .. p, .. r]);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = SHA256.HashData([0x01, .. r, .. p]);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>Verifies a compact JWS of the receipt keys with the given <c>typ</c> (a checkpoint: <see cref="CheckpointType"/>); returns its payload.</summary>
    public static JsonElement VerifyEvidenceToken(string token, string jwks, string type)
    {
        ArgumentNullException.ThrowIfNull(jwks);
        var parts = token is { Length: > 0 and <= 16384 } ? token.Split('.') : [];
        return parts.Length == 3 ? VerifyJwsParts(parts[0], parts[1], parts[2], jwks, type) : throw new GamutReceiptException("malformed");
    }

    /// <summary>
    /// Verifies a JWS given as its three base64url parts (a detached payload given as its encoding, as an A2A card
    /// signature's) under the receipt keys: ES256 only, <c>typ</c> must be <paramref name="type"/>. Returns the payload.
    /// </summary>
    public static JsonElement VerifyJwsParts(string? protectedHeader, string payloadPart, string? signaturePart, string jwks, string type)
    {
        ArgumentNullException.ThrowIfNull(jwks);
        if (protectedHeader is null || signaturePart is null || payloadPart is null
            || Object(protectedHeader) is not { } header || Object(payloadPart) is not { } payload || Bytes(signaturePart) is not { } signature)
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

        var input = Encoding.ASCII.GetBytes(protectedHeader + "." + payloadPart);
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

/// <summary>
/// A receipt or checkpoint that does not verify; <see cref="GamutException.Code"/> is malformed, unsupported_algorithm,
/// wrong_type, unknown_key, bad_signature, invalid_claims or not_in_batch (a batched receipt whose claims or path do not
/// lead to its signed root).
/// </summary>
public sealed class GamutReceiptException(string code) : GamutException($"The receipt does not verify ({code}).", code);
