using System.Text.Json;
using Gateway.Policy.Serialization;

namespace Gateway.Policy.Tokens;

/// <summary>
/// Reads a decision token the gateway issued (<see cref="DecisionTokenIssuer"/>): checks its signature in constant time
/// with the decision signing key, and its binding (<see cref="DecisionTokenBinding"/>) when given one, and decodes its payload. Whether it is still live (expiry, revocation, use) is for the
/// caller: this proves only that the gateway signed it.
/// </summary>
public sealed class DecisionTokenReader
{
    /// <summary>The longest token read; a longer one is malformed.</summary>
    public const int MaxTokenLength = 4096;

    private const string Prefix = "v1.";

    private readonly HmacKey _key;
    private readonly DecisionTokenBinding? _binding;

    /// <param name="key">The decision signing key the tokens were issued with (at least 32 bytes).</param>
    /// <param name="binding">
    /// The binding the tokens were issued with: when given (the gateway always gives one), a token without it under this
    /// key reads as <see cref="DecisionTokenRead.SignatureInvalid"/>, signed by a holder of the decision signing key, not
    /// by the gateway.
    /// </param>
    public DecisionTokenReader(ReadOnlySpan<byte> key, DecisionTokenBinding? binding = null)
    {
        if (key.Length < 32)
        {
            throw new ArgumentException("The decision signing key must be at least 32 bytes.", nameof(key));
        }

        _key = new HmacKey(key);
        _binding = binding;
    }

    /// <summary>The token's payload, or why it is not one of the gateway's tokens; never throws for bad input.</summary>
    public DecisionTokenRead Read(string? token)
    {
        var check = MacToken.TryRead(_key, Prefix, token, MaxTokenLength, out var payloadJson);
        if (check != MacTokenCheck.Valid)
        {
            return check == MacTokenCheck.SignatureInvalid ? DecisionTokenRead.SignatureInvalid : DecisionTokenRead.Malformed;
        }

        if (_binding is not null && !_binding.IsBound(payloadJson))
        {
            return DecisionTokenRead.SignatureInvalid;
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
