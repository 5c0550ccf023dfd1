using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
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

    private readonly byte[] _key;

    /// <param name="key">The decision signing key the tokens were issued with (at least 32 bytes).</param>
    public DecisionTokenReader(ReadOnlySpan<byte> key)
    {
        if (key.Length < 32)
        {
            throw new ArgumentException("The decision signing key must be at least 32 bytes.", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>The token's payload, or why it is not one of the gateway's tokens; never throws for bad input.</summary>
    public DecisionTokenRead Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return DecisionTokenRead.Malformed;
        }

        var dot = token.IndexOf('.', Prefix.Length);
        if (dot < 0 || token.IndexOf('.', dot + 1) >= 0)
        {
            return DecisionTokenRead.Malformed;
        }

        Span<byte> ascii = stackalloc byte[token.Length];
        if (Encoding.ASCII.GetBytes(token, ascii) != token.Length || !Ascii.IsValid(token))
        {
            return DecisionTokenRead.Malformed;
        }

        var signingInput = ascii[..dot];
        var signaturePart = ascii[(dot + 1)..];
        Span<byte> presented = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (!Base64Url.IsValid(signaturePart, out var signatureLength) || signatureLength != HMACSHA256.HashSizeInBytes
            || Base64Url.DecodeFromUtf8(signaturePart, presented) != HMACSHA256.HashSizeInBytes)
        {
            return DecisionTokenRead.Malformed;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, signingInput, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, presented))
        {
            return DecisionTokenRead.SignatureInvalid;
        }

        var payloadPart = signingInput[Prefix.Length..];
        if (!Base64Url.IsValid(payloadPart, out var payloadLength))
        {
            return DecisionTokenRead.Malformed;
        }

        var payloadJson = new byte[payloadLength];
        try
        {
            payloadJson = payloadJson[..Base64Url.DecodeFromUtf8(payloadPart, payloadJson)];
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
