using System.Text.Json;

namespace Gateway.Policy;

/// <summary>
/// The pinned key of an <c>a2a</c> entry's card (<c>card_key:</c>), checked when the bundle is read: a public JWK of kty
/// <c>EC</c> (crv <c>P-256</c>, <c>x</c>, <c>y</c>) or <c>RSA</c> (<c>n</c>, <c>e</c>), with no private member; kept as
/// compact JSON for the gateway's card verifier.
/// </summary>
public static class A2aCardKeyText
{
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    /// <summary>The key as compact JSON, or null when <paramref name="json"/> is not such a key.</summary>
    public static string? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var key = document.RootElement;
            if (key.ValueKind != JsonValueKind.Object || PrivateMembers.Any(member => key.TryGetProperty(member, out _)))
            {
                return null;
            }

            var valid = Text(key, "kty") switch
            {
                "EC" => Text(key, "crv") == "P-256" && Text(key, "x") is not null && Text(key, "y") is not null,
                "RSA" => Text(key, "n") is not null && Text(key, "e") is not null,
                _ => false,
            };
            if (!valid)
            {
                return null;
            }

            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                key.WriteTo(writer);
            }

            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement key, string name) =>
        key.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}
