using System.Security.Cryptography;
using System.Text;
using Gateway.Oversight;
using Microsoft.AspNetCore.Http;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// Verifies <c>Authorization: Bearer|DPoP &lt;token&gt;</c> on a request to an endpoint that accepts access tokens:
/// signature, issuer, audience (this endpoint's resource), expiry; a DPoP-bound token (<c>cnf.jkt</c>) only as
/// <c>DPoP</c> with a proof for this request under the bound key. It touches no store: the kill switches, and whether
/// the proof's <c>jti</c> was seen before, are the admission's (its nonce is <see cref="PresentedAccessToken.Nonce"/>).
/// </summary>
public sealed class AccessTokenVerifier
{
    private const string BearerScheme = "Bearer";
    private const string DpopScheme = "DPoP";

    private readonly AccessTokenFormat _format;
    private readonly AccessTokenUrls _urls;
    private readonly TimeProvider _time;

    public AccessTokenVerifier(AccessTokenFormat format, AccessTokenUrls urls, TimeProvider time)
    {
        _format = format;
        _urls = urls;
        _time = time;
    }

    /// <summary>True when the request presents an access token (<c>Authorization: Bearer …</c> or <c>DPoP …</c>).</summary>
    public static bool IsPresented(IHeaderDictionary headers) =>
        headers.Authorization is [{ } value] && (HasScheme(value, BearerScheme) || HasScheme(value, DpopScheme));

    /// <summary>Verifies the token presented on <paramref name="request"/> for the resource at <paramref name="resourcePath"/>.</summary>
    public PresentedAccessToken Verify(HttpRequest request, string resourcePath, TimeSpan window)
    {
        if (request.Headers.Authorization is not [{ } authorization])
        {
            return PresentedAccessToken.Refused(ProblemCodes.AccessTokenInvalid, "Send exactly one Authorization header.");
        }

        var dpop = HasScheme(authorization, DpopScheme);
        var token = authorization[((dpop ? DpopScheme : BearerScheme).Length + 1)..].Trim();
        var now = _time.GetUtcNow();
        var read = _format.Read(token, _urls.Issuer(request), _urls.Resource(request, resourcePath), now);
        if (read.Subject is null)
        {
            return PresentedAccessToken.Refused(read.Expired ? ProblemCodes.AccessTokenExpired : ProblemCodes.AccessTokenInvalid, read.Problem!);
        }

        if (read.Thumbprint is null)
        {
            // A bearer token: anyone holding it may present it, and nothing in the request is single-use.
            return dpop
                ? PresentedAccessToken.Refused(ProblemCodes.AccessTokenInvalid, "This token is not DPoP-bound; present it as Authorization: Bearer.")
                : new PresentedAccessToken(read.Subject, AccessTokenNonces.Bearer(), now.ToUnixTimeSeconds(), string.Empty, string.Empty) { SecretFingerprint = read.SecretFingerprint, Person = read.Person };
        }

        if (!dpop)
        {
            return PresentedAccessToken.Refused(ProblemCodes.DpopProofInvalid, "This token is DPoP-bound: present it as Authorization: DPoP with a DPoP proof.");
        }

        if (request.Headers[DpopProof.HeaderName] is not [{ } proofText])
        {
            return PresentedAccessToken.Refused(ProblemCodes.DpopProofInvalid, "A DPoP-bound token needs exactly one DPoP proof header.");
        }

        var proof = DpopProof.Check(proofText, request.Method, _urls.RequestUrl(request), token, now, window, out var problem);
        if (proof is null)
        {
            return PresentedAccessToken.Refused(ProblemCodes.DpopProofInvalid, problem);
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(proof.Thumbprint), Encoding.ASCII.GetBytes(read.Thumbprint)))
        {
            return PresentedAccessToken.Refused(ProblemCodes.DpopProofInvalid, "The DPoP proof is signed by another key than the one the token is bound to.");
        }

        return new PresentedAccessToken(read.Subject, AccessTokenNonces.Dpop(proof.Jti), proof.IssuedAt, string.Empty, string.Empty) { SecretFingerprint = read.SecretFingerprint, Person = read.Person };
    }

    private static bool HasScheme(string value, string scheme) =>
        value.Length > scheme.Length + 1 && value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && value[scheme.Length] == ' ';
}
