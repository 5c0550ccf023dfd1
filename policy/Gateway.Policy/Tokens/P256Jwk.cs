using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Gateway.Policy.Tokens;

/// <summary>
/// An EC P-256 JSON Web Key (RFC 7518 §6.2): its members read, its key imported and its RFC 7638 thumbprint, for every
/// JWK the gateway reads (DPoP proofs, pinned A2A card keys, receipt key rings and JWKS). Each of <c>x</c>, <c>y</c> and
/// <c>d</c> must be the unpadded base64url of exactly 32 bytes (RFC 7518 §6.2.1.2: the full size of a coordinate), so a
/// key is spelt one way and has one thumbprint.
/// </summary>
public static class P256Jwk
{
    /// <summary>The JWK <c>crv</c> of the curve.</summary>
    public const string Curve = "P-256";

    private const int FieldBytes = 32;
    private const int FieldChars = 43;

    /// <summary>True when <paramref name="jwk"/> is an object naming an EC P-256 key (<c>kty</c> EC, <c>crv</c> P-256) with string <c>x</c> and <c>y</c>.</summary>
    public static bool TryRead(JsonElement jwk, out string x, out string y)
    {
        x = y = string.Empty;
        if (jwk.ValueKind != JsonValueKind.Object || Text(jwk, "kty") != "EC" || Text(jwk, "crv") != Curve
            || Text(jwk, "x") is not { } xText || Text(jwk, "y") is not { } yText)
        {
            return false;
        }

        (x, y) = (xText, yText);
        return true;
    }

    /// <summary>The key whose public point is (<paramref name="x"/>, <paramref name="y"/>), with the private key <paramref name="d"/> when given.</summary>
    /// <exception cref="FormatException">A member is not the unpadded base64url of 32 bytes, or the point is not on P-256 (or <paramref name="d"/> not its private key).</exception>
    public static ECDsa Import(string x, string y, string? d = null)
    {
        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Field(x, "x"), Y = Field(y, "y") },
            D = d is null ? null : Field(d, "d"),
        };
        try
        {
            return ECDsa.Create(parameters);
        }
        catch (CryptographicException ex)
        {
            throw new FormatException(d is null ? "The JWK's x and y are not a point on P-256." : "The JWK's x and y are not a point on P-256, or its d is not their private key.", ex);
        }
        finally
        {
            if (parameters.D is { } secret)
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }
    }

    /// <summary>The RFC 7638 thumbprint of the public key (<paramref name="x"/>, <paramref name="y"/>): over <c>{"crv","kty","x","y"}</c>.</summary>
    public static string Thumbprint(string x, string y) => JwkThumbprint.Of(("crv", Curve), ("kty", "EC"), ("x", x), ("y", y));

    private static byte[] Field(string text, string member)
    {
        if (text.Length != FieldChars || !Base64Url.IsValid(text, out var length) || length != FieldBytes)
        {
            throw new FormatException($"The JWK's '{member}' is not the unpadded base64url of {FieldBytes} bytes.");
        }

        return Base64Url.DecodeFromChars(text);
    }

    private static string? Text(JsonElement jwk, string name) =>
        jwk.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
