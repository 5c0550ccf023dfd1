using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gamut.Agent;

/// <summary>
/// The gateway's signature on the A2A agent card it serves (docs/a2a.md, "The route"): A2A 1.0 <c>AgentCardSignature</c>,
/// a JWS (ES256, <c>typ</c> <c>JOSE</c>) with a detached payload, the RFC 8785 canonical JSON of the card without its
/// signatures, normalized as A2A 1.0 §8.4.1 says (the gateway's <c>A2a/AgentCardSignatures.cs</c>), signed with the
/// gateway's receipt key. Checked with <see cref="GamutReceipts.VerifyJwsParts"/> against the same key set,
/// <c>/.well-known/gamut-receipt-keys.json</c>.
/// </summary>
public static class GamutAgentCards
{
    /// <summary>The <c>typ</c> of the gateway's card signature.</summary>
    public const string SignatureType = "JOSE";

    // The members of an A2A 1.0 AgentCard: what a signature covers (0.3's url and the like are not).
    private static readonly HashSet<string> CardMembers = new(StringComparer.Ordinal)
    {
        "name", "description", "supportedInterfaces", "provider", "version", "documentationUrl", "capabilities",
        "securitySchemes", "securityRequirements", "defaultInputModes", "defaultOutputModes", "skills", "iconUrl",
    };

    /// <summary>
    /// Verifies the gateway's signature on <paramref name="card"/> with its receipt keys <paramref name="jwks"/> (the JSON
    /// text served at <c>/.well-known/gamut-receipt-keys.json</c>): one of its signatures must verify, else
    /// <see cref="GamutCardSignatureException"/>.
    /// </summary>
    public static void VerifyAgentCard(JsonElement card, string jwks)
    {
        if (card.ValueKind != JsonValueKind.Object || !card.TryGetProperty("signatures", out var signatures)
            || signatures.ValueKind != JsonValueKind.Array || signatures.GetArrayLength() == 0)
        {
            throw new GamutCardSignatureException("missing");
        }

        var payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(CardPayload(card)));
        var reason = "malformed";
        foreach (var signature in signatures.EnumerateArray())
        {
            try
            {
                GamutReceipts.VerifyJwsParts(Text(signature, "protected"), payload, Text(signature, "signature"), jwks, SignatureType);
                return;
            }
            catch (GamutReceiptException refused)
            {
                reason = refused.Code;
            }
        }

        throw new GamutCardSignatureException(reason);
    }

    /// <summary>What a card signature covers: the card's A2A 1.0 members without protobuf defaults, as RFC 8785 canonical JSON.</summary>
    public static string CardPayload(JsonElement card) => Members(card, CardMembers.Contains) ?? "{}";

    /// <summary>
    /// <paramref name="card"/> with only the members its signature covers, <c>url</c> (the gateway's route, which it writes)
    /// and <c>signatures</c>: a member added on the way, signed by no one (<c>URL</c>, <c>Skills</c>, which a case-folding
    /// reader takes for <c>url</c> and <c>skills</c>), is not handed on.
    /// </summary>
    internal static JsonElement SignedMembers(JsonElement card)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var member in card.EnumerateObject().Where(static m => CardMembers.Contains(m.Name) || m.Name is "url" or "signatures"))
            {
                member.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        using var kept = JsonDocument.Parse(buffer.WrittenMemory);
        return kept.RootElement.Clone();
    }

    // Canonical JSON of a value without its protobuf defaults (0, "", [], {}, null; false is kept); null when it is one.
    private static string? Canonical(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => Members(value, static _ => true),
        JsonValueKind.Array => value.GetArrayLength() == 0 ? null : "[" + string.Join(',', value.EnumerateArray().Select(static item => Canonical(item) ?? "{}")) + "]",
        JsonValueKind.String => value.GetString() is { Length: > 0 } text ? Quoted(text) : null,
        JsonValueKind.Number => value.GetDouble() == 0 ? null : Number(value),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    private static string? Members(JsonElement value, Func<string, bool> kept)
    {
        var members = value.EnumerateObject().Where(m => kept(m.Name)).OrderBy(static m => m.Name, StringComparer.Ordinal)
            .Select(static m => Canonical(m.Value) is { } c ? Quoted(m.Name) + ":" + c : null).OfType<string>().ToList();
        return members.Count == 0 ? null : "{" + string.Join(',', members) + "}";
    }

    // ECMAScript's Number.prototype.toString, as RFC 8785 writes numbers.
    private static string Number(JsonElement value)
    {
        if (value.TryGetInt64(out var integer) && integer is > -(1L << 53) and < 1L << 53)
        {
            return integer.ToString(CultureInfo.InvariantCulture);
        }

        var number = value.GetDouble();
        var shortest = number.ToString("R", CultureInfo.InvariantCulture);
        var e = shortest.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return shortest;
        }

        if (Math.Abs(number) is >= 1e-6 and < 1e21)
        {
            return decimal.Parse(shortest, NumberStyles.Float, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        }

        var exponent = int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return shortest[..e] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString(CultureInfo.InvariantCulture);
    }

    // A string as JSON.stringify writes it: only '"', '\' and the control characters escaped.
    private static string Quoted(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                '\b' => quoted.Append("\\b"),
                '\f' => quoted.Append("\\f"),
                '\n' => quoted.Append("\\n"),
                '\r' => quoted.Append("\\r"),
                '\t' => quoted.Append("\\t"),
                < ' ' => quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>
/// The agent card the gateway served carries no signature of the gateway's that verifies (code
/// <c>a2a_card_signature_invalid</c>); <see cref="Reason"/> says why: <c>missing</c>, <c>unknown_key</c>,
/// <c>bad_signature</c>, <c>malformed</c>, <c>unsupported_algorithm</c> or <c>wrong_type</c>. The card is not returned.
/// </summary>
public sealed class GamutCardSignatureException(string reason)
    : GamutException($"The agent card carries no signature of the gateway's that verifies ({reason}).", "a2a_card_signature_invalid")
{
    public string Reason { get; } = reason;
}
