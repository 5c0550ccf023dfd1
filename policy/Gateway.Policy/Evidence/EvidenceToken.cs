using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gateway.Policy.Evidence;

/// <summary>
/// Checks a compact JWS the gateway signed with a receipt key (a receipt or a checkpoint): ES256 only (never the
/// algorithm the token names, which is only compared), the expected <c>typ</c>, the key by <c>kid</c> from public keys
/// the verifier holds. Returns the payload or the reason it was refused (<see cref="EvidenceErrors"/>).
/// </summary>
public static class EvidenceToken
{
    private const int MaxLength = 16 * 1024;

    public static bool TryVerify(string? token, string type, EvidenceKeySet keys, out JsonElement payload, out string? error)
    {
        ArgumentNullException.ThrowIfNull(keys);
        payload = default;
        var parts = token is { Length: > 0 and <= MaxLength } ? token.Split('.') : [];
        if (parts.Length != 3 || !TryObject(parts[0], out var header) || !TryObject(parts[1], out var body) || !TryBytes(parts[2], out var signature))
        {
            error = EvidenceErrors.Malformed;
            return false;
        }

        if (Text(header, "alg") != "ES256" || header.TryGetProperty("crit", out _))
        {
            error = EvidenceErrors.UnsupportedAlgorithm;
            return false;
        }

        if (Text(header, "typ") != type)
        {
            error = EvidenceErrors.WrongType;
            return false;
        }

        if (Text(header, "kid") is not { } kid || keys.Find(kid) is not { } key)
        {
            error = EvidenceErrors.UnknownKey;
            return false;
        }

        var signingInput = Encoding.ASCII.GetBytes(token!.AsSpan(0, parts[0].Length + 1 + parts[1].Length).ToString());
        if (signature.Length != 64 || !key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            error = EvidenceErrors.BadSignature;
            return false;
        }

        payload = body;
        error = null;
        return true;
    }

    internal static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    internal static long? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    private static bool TryObject(string part, out JsonElement element)
    {
        element = default;
        return TryBytes(part, out var bytes) && TryObject(bytes, out element);
    }

    /// <summary>A JSON object (no duplicate members), or false.</summary>
    internal static bool TryObject(byte[] bytes, out JsonElement element)
    {
        element = default;
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 16 });
            element = document.RootElement.Clone();
            return element.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Strict base64url without padding, or false.</summary>
    internal static bool TryBytes(string part, out byte[] bytes)
    {
        bytes = [];
        if (part.Length == 0 || part.Any(static c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) || !Base64Url.IsValid(part, out var length))
        {
            return false;
        }

        bytes = new byte[length];
        return Base64Url.TryDecodeFromChars(part, bytes, out var written) && written == length;
    }
}
