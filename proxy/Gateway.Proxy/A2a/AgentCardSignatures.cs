using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy.Canonical;
using Gateway.Policy.Evidence;
using Gateway.Policy.Tokens;

namespace Gateway.Proxy.A2a;

/// <summary>
/// The JWS signatures of an A2A agent card (A2A 1.0 <c>AgentCard.signatures</c>: each <c>{"protected","signature"}</c>,
/// RFC 7515 with a detached payload, the RFC 8785 canonical JSON of the card without its <c>signatures</c>, normalized as
/// A2A 1.0 §8.4.1 says: <see cref="Payload"/>). A remote
/// card is checked against the key its connector pins (<c>card_key</c>): it verifies when one of its signatures is ES256
/// or RS256 under that key; a signed card whose connector pins no key, an unsigned card whose connector pins one, and a
/// signature that does not verify are all refused. The card the gateway serves is signed with the gateway's active
/// receipt key (ES256, its <c>kid</c> in <c>/.well-known/gamut-receipt-keys.json</c>). No header extension is understood:
/// a signature whose header carries <c>crit</c> (RFC 7515 §4.1.11) or repeats a member does not verify (as in CompactJws).
/// </summary>
internal static class AgentCardSignatures
{
    private static readonly JsonDocumentOptions StrictHeader = new() { AllowDuplicateProperties = false, MaxDepth = 16 };

    /// <summary>Why <paramref name="card"/> is refused under the pinned key <paramref name="pinnedJwk"/> (null: none pinned), or null when it may be served.</summary>
    public static string? RefusalOf(JsonObject card, string? pinnedJwk)
    {
        var signatures = card["signatures"] as JsonArray;
        var signed = signatures is { Count: > 0 };
        if (!signed)
        {
            return pinnedJwk is null ? null : "The remote agent's card is not signed, but its connector pins a card key.";
        }

        if (pinnedJwk is null)
        {
            return "The remote agent's card is signed with a key its connector does not pin (card_key); it is refused.";
        }

        byte[] payload;
        try
        {
            payload = Payload(card);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            return "The remote agent's card is not I-JSON (a lone surrogate, a repeated member or a number beyond a double), so no signature can cover it; it is refused.";
        }

        using var key = JsonDocument.Parse(pinnedJwk);
        foreach (var signature in signatures!)
        {
            if (signature is JsonObject s && s["protected"]?.GetValue<string>() is { } header && s["signature"]?.GetValue<string>() is { } value
                && !(s["header"] is JsonObject unprotected && unprotected.ContainsKey("crit"))
                && Verifies(key.RootElement, header, value, payload))
            {
                return null;
            }
        }

        return "No signature of the remote agent's card verifies under its connector's pinned key; it is refused.";
    }

    /// <summary>Replaces <paramref name="card"/>'s signatures with the gateway's own, over the card as it now is.</summary>
    public static void Sign(JsonObject card, ReceiptKey key)
    {
        card.Remove("signatures");
        var jws = key.Sign("JOSE", Payload(card)).Split('.');
        card["signatures"] = new JsonArray(new JsonObject { ["protected"] = jws[0], ["signature"] = jws[2] });
    }

    /// <summary>The members of an A2A 1.0 <c>AgentCard</c> (what a signature covers; 0.3's <c>url</c> and the like are not).</summary>
    private static readonly HashSet<string> CardMembers = new(StringComparer.Ordinal)
    {
        "name", "description", "supportedInterfaces", "provider", "version", "documentationUrl", "capabilities",
        "securitySchemes", "securityRequirements", "defaultInputModes", "defaultOutputModes", "skills", "iconUrl",
    };

    /// <summary>
    /// What each signature covers (A2A 1.0 §8.4.1): the card without <c>signatures</c>, normalized as its protobuf JSON
    /// round trip leaves it (only the 1.0 <c>AgentCard</c> members at the top; members whose value is the protobuf default,
    /// <c>0</c>, <c>""</c>, <c>[]</c>, <c>{}</c> or null, left out at every depth; <c>false</c> kept, as the card's booleans
    /// are <c>optional</c> and keep their presence), then RFC 8785 canonical JSON. The members of nested objects are not
    /// checked against the schema (the official SDK's verifier drops unknown nested members; a card carrying some is refused).
    /// </summary>
    public static byte[] Payload(JsonObject card)
    {
        var copy = new JsonObject();
        foreach (var (name, value) in card)
        {
            if (CardMembers.Contains(name) && WithoutDefaults(value) is { } kept)
            {
                copy[name] = kept;
            }
        }

        using var document = JsonDocument.Parse(copy.ToJsonString());
        return CanonicalJson.Rfc8785(document.RootElement);
    }

    /// <summary>A copy of <paramref name="value"/> without its protobuf-default members; null when it is a default itself.</summary>
    private static JsonNode? WithoutDefaults(JsonNode? value)
    {
        switch (value)
        {
            case null:
                return null;
            case JsonObject o:
                var kept = new JsonObject();
                foreach (var (name, member) in o)
                {
                    if (WithoutDefaults(member) is { } m)
                    {
                        kept[name] = m;
                    }
                }

                return kept.Count == 0 ? null : kept;
            case JsonArray a:
                // An array's items are kept whole (an empty object in a list still counts), only the empty list is a default.
                return a.Count == 0 ? null : new JsonArray([.. a.Select(static item => WithoutDefaults(item) ?? new JsonObject())]);
            default:
                return value.GetValueKind() switch
                {
                    JsonValueKind.String when value.GetValue<string>().Length == 0 => null,
                    JsonValueKind.Number when value.GetValue<double>() == 0 => null,
                    _ => value.DeepClone(),
                };
        }
    }

    private static bool Verifies(JsonElement jwk, string protectedHeader, string signature, byte[] payload)
    {
        try
        {
            using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(protectedHeader), StrictHeader);
            if (header.RootElement.ValueKind != JsonValueKind.Object || header.RootElement.TryGetProperty("crit", out _))
            {
                return false;
            }

            var alg = header.RootElement.TryGetProperty("alg", out var a) ? a.GetString() : null;
            var input = Encoding.ASCII.GetBytes(protectedHeader + "." + Base64Url.EncodeToString(payload));
            var signatureBytes = Base64Url.DecodeFromChars(signature);
            var kty = jwk.GetProperty("kty").GetString();
            if (alg == "ES256" && P256Jwk.TryRead(jwk, out var x, out var y))
            {
                using var ec = P256Jwk.Import(x, y);
                return ec.VerifyData(input, signatureBytes, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }

            if (alg == "RS256" && kty == "RSA")
            {
                using var rsa = RSA.Create(new RSAParameters
                {
                    Modulus = Base64Url.DecodeFromChars(jwk.GetProperty("n").GetString()),
                    Exponent = Base64Url.DecodeFromChars(jwk.GetProperty("e").GetString()),
                });
                return rsa.VerifyData(input, signatureBytes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            }

            return false;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or CryptographicException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }
}
