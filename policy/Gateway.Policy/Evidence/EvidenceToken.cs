using System.Text.Json;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Evidence;

/// <summary>
/// Checks a compact JWS the gateway signed with a receipt key (a receipt or a checkpoint), read by the gateway's one JWS
/// reader (<see cref="CompactJws"/>): ES256 only (never the algorithm the token names, which is only compared), the
/// expected <c>typ</c>, the key by <c>kid</c> from public keys the verifier holds. Returns the payload or the reason it
/// was refused (<see cref="EvidenceErrors"/>).
/// </summary>
public static class EvidenceToken
{
    private const int MaxLength = 16 * 1024;

    public static bool TryVerify(string? token, string type, EvidenceKeySet keys, out JsonElement payload, out string? error)
    {
        ArgumentNullException.ThrowIfNull(keys);
        payload = default;
        // A crit header is reported as an unsupported algorithm (as the SDKs' verifiers do), not as malformed.
        if (!CompactJws.TryParse(token, MaxLength, out var jws, refuseCritical: false) || jws is null)
        {
            error = EvidenceErrors.Malformed;
            return false;
        }

        if (jws.Algorithm != "ES256" || jws.HasCriticalHeader)
        {
            error = EvidenceErrors.UnsupportedAlgorithm;
            return false;
        }

        if (jws.HeaderString("typ") != type)
        {
            error = EvidenceErrors.WrongType;
            return false;
        }

        if (jws.HeaderString("kid") is not { } kid || keys.Find(kid) is not { } key)
        {
            error = EvidenceErrors.UnknownKey;
            return false;
        }

        if (!jws.VerifyEs256(key))
        {
            error = EvidenceErrors.BadSignature;
            return false;
        }

        payload = jws.Payload;
        error = null;
        return true;
    }

    internal static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    internal static long? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;
}
