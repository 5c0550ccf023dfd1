using System.Security.Cryptography;
using Gateway.Connectors.Signing;
using Gateway.Oversight;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Checks a request's <c>Content-Digest</c> (RFC 9530) against the raw body the gateway read: a <c>sha-256</c> member is
/// required, a <c>sha-512</c> one is checked as well when present, other algorithms are ignored as §2 allows. A digest
/// that does not match is <c>content_digest_mismatch</c>; a field that is not a dictionary of byte sequences, or has no
/// sha-256, is <c>malformed_header</c>.
/// </summary>
internal static class ContentDigest
{
    public static bool Matches(string field, ReadOnlySpan<byte> body, out string code, out string detail)
    {
        code = ProblemCodes.MalformedHeader;
        detail = $"{SignatureHeaders.ContentDigest} must be a dictionary with a sha-256 byte sequence (RFC 9530), e.g. sha-256=:<base64>:.";
        if (StructuredField.ParseDictionary(field) is not { } members)
        {
            return false;
        }

        var sawSha256 = false;
        Span<byte> expected = stackalloc byte[SHA512.HashSizeInBytes];
        foreach (var (algorithm, member) in members)
        {
            if (algorithm is not ("sha-256" or "sha-512"))
            {
                continue;
            }

            if (member is not { Items: null, Value: byte[] presented })
            {
                return false;
            }

            var length = algorithm == "sha-256" ? SHA256.HashData(body, expected) : SHA512.HashData(body, expected);
            if (!CryptographicOperations.FixedTimeEquals(expected[..length], presented))
            {
                code = ProblemCodes.ContentDigestMismatch;
                detail = $"The {algorithm} of {SignatureHeaders.ContentDigest} does not match the body.";
                return false;
            }

            sawSha256 |= algorithm == "sha-256";
        }

        if (!sawSha256)
        {
            return false;
        }

        code = string.Empty;
        detail = string.Empty;
        return true;
    }
}
