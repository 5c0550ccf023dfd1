using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Authorization.Interactive;

/// <summary>PKCE (RFC 7636) with <c>S256</c> only: a challenge is 43 base64url characters; a verifier 43-128 unreserved ones.</summary>
public static partial class Pkce
{
    public const string Method = "S256";

    public static bool IsChallenge(string? challenge) => challenge is { Length: 43 } && Base64UrlText().IsMatch(challenge);

    /// <summary>The <c>S256</c> challenge of <paramref name="verifier"/>: base64url of the SHA-256 of its ASCII.</summary>
    public static string ChallengeOf(string verifier) => Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    /// <summary>True when <paramref name="verifier"/> is well formed and its SHA-256 is <paramref name="challenge"/> (compared in constant time).</summary>
    public static bool Verifies(string? verifier, string challenge)
    {
        if (verifier is null || !Verifier().IsMatch(verifier))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(ChallengeOf(verifier)), Encoding.ASCII.GetBytes(challenge));
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Base64UrlText();

    [GeneratedRegex("^[A-Za-z0-9._~-]{43,128}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Verifier();
}
