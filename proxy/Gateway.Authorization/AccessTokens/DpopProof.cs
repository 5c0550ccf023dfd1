using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using Gateway.Policy.Tokens;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// A DPoP proof (RFC 9449 §4.3) checked for one request: <c>typ</c> <c>dpop+jwt</c>, ES256 under the public P-256 key of
/// its own <c>jwk</c> header (a private member refused), <c>htm</c> and <c>htu</c> naming this request, <c>iat</c>
/// within the window, <c>ath</c> the hash of the access token when one is presented, and a <c>jti</c>. Its
/// <see cref="Thumbprint"/> (RFC 7638) is what a token's <c>cnf.jkt</c> binds to. Whether the <c>jti</c> was seen
/// before is the caller's store's to say.
/// </summary>
public sealed class DpopProof
{
    /// <summary>The HTTP header carrying the proof.</summary>
    public const string HeaderName = "DPoP";

    /// <summary>The one signing algorithm accepted (and advertised).</summary>
    public const string Algorithm = "ES256";

    private const int MaxLength = 4096;
    private const int MaxJtiLength = 256;

    /// <summary>The latest <c>iat</c> taken: 9999-12-31T23:59:59Z, the last second a <see cref="DateTimeOffset"/> holds.</summary>
    private const long MaxIssuedAt = 253_402_300_799;

    private DpopProof(string thumbprint, string jti, long issuedAt)
    {
        Thumbprint = thumbprint;
        Jti = jti;
        IssuedAt = issuedAt;
    }

    /// <summary>The JWK SHA-256 thumbprint of the proof's key, base64url.</summary>
    public string Thumbprint { get; }

    /// <summary>The proof's unique id, as sent.</summary>
    public string Jti { get; }

    /// <summary>The proof's <c>iat</c>, Unix seconds.</summary>
    public long IssuedAt { get; }

    /// <summary>
    /// Checks <paramref name="text"/> for a request of <paramref name="method"/> to <paramref name="url"/> (query and
    /// fragment ignored); <paramref name="accessToken"/>, when not null, must be what <c>ath</c> hashes.
    /// </summary>
    public static DpopProof? Check(string? text, string method, Uri url, string? accessToken, DateTimeOffset now, TimeSpan window, out string problem)
    {
        if (!CompactJws.TryParse(text, MaxLength, out var jws) || jws is null)
        {
            problem = "The DPoP proof is not a well-formed JWT.";
            return null;
        }

        if (jws.HeaderString("typ") != "dpop+jwt" || jws.Algorithm != Algorithm)
        {
            problem = $"The DPoP proof must be typ dpop+jwt signed with {Algorithm}.";
            return null;
        }

        if (!jws.Header.TryGetProperty("jwk", out var jwk) || PublicKey(jwk) is not { } key)
        {
            problem = "The DPoP proof's jwk must be a public P-256 key (kty EC, crv P-256, x, y; no private member).";
            return null;
        }

        using (key.Key)
        {
            if (!jws.VerifyEs256(key.Key))
            {
                problem = "The DPoP proof's signature does not verify under its jwk.";
                return null;
            }
        }

        var jti = jws.ClaimString("jti");
        if (string.IsNullOrEmpty(jti) || jti.Length > MaxJtiLength)
        {
            problem = $"The DPoP proof needs a jti of 1 to {MaxJtiLength} characters.";
            return null;
        }

        if (jws.ClaimString("htm") != method || !SameTarget(jws.ClaimString("htu"), url))
        {
            problem = "The DPoP proof's htm and htu must name this request's method and URL.";
            return null;
        }

        // The range first (a far iat would overflow the subtraction); then milliseconds, not truncated seconds, so a
        // proof is accepted for exactly the window either side (its jti store was sized for that, not a second more).
        if (jws.ClaimSeconds("iat") is not { } iat || iat is < 0 or > MaxIssuedAt
            || Math.Abs(now.ToUnixTimeMilliseconds() - (iat * 1000)) > (long)window.TotalMilliseconds)
        {
            problem = "The DPoP proof's iat is missing or too far from the gateway's clock.";
            return null;
        }

        var ath = jws.ClaimString("ath");
        if (accessToken is not null && (ath is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(ath), Encoding.ASCII.GetBytes(TokenHash(accessToken)))))
        {
            problem = "The DPoP proof's ath must be the base64url SHA-256 of the access token.";
            return null;
        }

        problem = string.Empty;
        return new DpopProof(key.Thumbprint, jti, iat);
    }

    /// <summary>The <c>ath</c> of <paramref name="accessToken"/>: base64url of its SHA-256.</summary>
    public static string TokenHash(string accessToken) => Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));

    private static bool SameTarget(string? htu, Uri url) =>
        htu is not null && Uri.TryCreate(htu, UriKind.Absolute, out var claimed)
        && string.Equals(claimed.GetLeftPart(UriPartial.Path), url.GetLeftPart(UriPartial.Path), StringComparison.Ordinal);

    private static (ECDsa Key, string Thumbprint)? PublicKey(JsonElement jwk)
    {
        if (!P256Jwk.TryRead(jwk, out var x, out var y) || jwk.TryGetProperty("d", out _))
        {
            return null;
        }

        try
        {
            return (P256Jwk.Import(x, y), P256Jwk.Thumbprint(x, y));
        }
        catch (FormatException)
        {
            // A coordinate that is not the base64url of 32 bytes, or not a point on the curve.
            return null;
        }
    }
}
