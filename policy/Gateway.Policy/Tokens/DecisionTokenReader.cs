using System.Text.Json;
using Gateway.Policy.Serialization;

namespace Gateway.Policy.Tokens;

/// <summary>
/// Reads a decision token the gateway issued (<see cref="DecisionTokenIssuer"/>): checks its signature in constant time
/// with the decision signing key and decodes its payload. Whether it is still live (expiry, revocation, use) is for the
/// caller: this proves only that the gateway signed it.
/// </summary>
public sealed class DecisionTokenReader
{
    /// <summary>The longest token read; a longer one is malformed.</summary>
    public const int MaxTokenLength = 4096;

    private const string Prefix = "v1.";

    private readonly HmacKey _key;

    /// <param name="key">The decision signing key the tokens were issued with (at least 32 bytes).</param>
    public DecisionTokenReader(ReadOnlySpan<byte> key)
    {
        if (key.Length < 32)
        {
            throw new ArgumentException("The decision signing key must be at least 32 bytes.", nameof(key));
        }

        _key = new HmacKey(key);
    }

    /// <summary>The token's payload, or why it is not one of the gateway's tokens; never throws for bad input.</summary>
    public DecisionTokenRead Read(string? token)
    {
        var check = MacToken.TryRead(_key, Prefix, token, MaxTokenLength, out var payloadJson);
        if (check != MacTokenCheck.Valid)
        {
            return check == MacTokenCheck.SignatureInvalid ? DecisionTokenRead.SignatureInvalid : DecisionTokenRead.Malformed;
        }

        try
        {
            var payload = JsonSerializer.Deserialize(payloadJson, PolicyJsonContext.Default.DecisionTokenPayload);
            return payload is null ? DecisionTokenRead.Malformed : new DecisionTokenRead(payload, null);
        }
        catch (JsonException)
        {
            // Signed by the key but not a payload this gateway writes (another version, or a key shared by mistake).
            return DecisionTokenRead.Malformed;
        }
    }
}
