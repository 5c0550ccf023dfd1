using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Evidence;

/// <summary>
/// The public receipt keys a verifier holds: a JWKS (RFC 7517) as the gateway publishes it at
/// <c>/.well-known/gamut-receipt-keys.json</c>, EC P-256 keys by <c>kid</c>. A key whose <c>kid</c> is not its
/// RFC 7638 thumbprint is refused, so a JWKS cannot pass one key off under another's id. Public keys only: this is all
/// a third party needs to check a receipt or a checkpoint.
/// </summary>
public sealed class EvidenceKeySet
{
    private readonly Dictionary<string, ECDsa> _keys;

    private EvidenceKeySet(Dictionary<string, ECDsa> keys) => _keys = keys;

    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <exception cref="FormatException">Not a JWKS of EC P-256 keys whose ids are their thumbprints.</exception>
    public static EvidenceKeySet Parse(string jwks)
    {
        try
        {
            using var document = JsonDocument.Parse(jwks, new JsonDocumentOptions { AllowDuplicateProperties = false });
            if (!document.RootElement.TryGetProperty("keys", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("The JWKS has no 'keys' array.");
            }

            var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
            foreach (var jwk in array.EnumerateArray())
            {
                if (!P256Jwk.TryRead(jwk, out var x, out var y) || Text(jwk, "kid") is not { } kid)
                {
                    continue; // not a receipt key: ignored, as RFC 7517 lets a JWKS hold keys a reader does not use
                }

                if (P256Jwk.Thumbprint(x, y) != kid)
                {
                    throw new FormatException($"The JWKS key '{kid}' is not its public key's thumbprint.");
                }

                keys[kid] = P256Jwk.Import(x, y);
            }

            return new EvidenceKeySet(keys);
        }
        catch (JsonException ex)
        {
            throw new FormatException("The JWKS is not valid: " + ex.Message, ex);
        }
    }

    /// <summary>The set of a ring's public keys (what its JWKS says).</summary>
    public static EvidenceKeySet Of(ReceiptKeyRing ring)
    {
        ArgumentNullException.ThrowIfNull(ring);
        return Parse(ring.ToJwks());
    }

    internal ECDsa? Find(string kid) => _keys.GetValueOrDefault(kid);

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
