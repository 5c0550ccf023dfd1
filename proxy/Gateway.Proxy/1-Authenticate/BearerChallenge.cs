using Gateway.Connectors.Signing;
using Gateway.Authorization.AccessTokens;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// What a refusal on an OAuth protected resource (<see cref="AccessTokenResourceMetadata"/>, e.g. <c>/mcp</c>) says to a
/// bearer client, decided by what the request carries. A request with no credentials at all (no access token, no
/// signature, no <c>X-Gamut-*</c> header) is an OAuth client that has not yet got a token: it is told only where the
/// protected resource metadata is (RFC 9728 §5.1, no <c>error</c> per RFC 6750 §3.1). A request that presented an access
/// token is refused with an OAuth error code (RFC 6750 §3.1, RFC 9449 §7.1). A request that carries any part of a signed
/// request is an agent that signs, and keeps the agent protocol's own refusals.
/// </summary>
internal static class BearerChallenge
{
    private const string GatewayHeaderPrefix = "X-Gamut-";

    /// <summary>True when the request carries no credential of any kind: no access token, no signature, no X-Gamut-* header.</summary>
    public static bool CarriesNoCredentials(IHeaderDictionary headers)
    {
        if (AccessTokenVerifier.IsPresented(headers) || headers.ContainsKey(SignatureHeaders.Signature) || headers.ContainsKey(SignatureHeaders.SignatureInput))
        {
            return false;
        }

        foreach (var header in headers)
        {
            if (header.Key.StartsWith(GatewayHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The 401 for a request without credentials: names the resource and its metadata, nothing about signing.</summary>
    public static Refusal CredentialsMissing(HttpContext context, string resourcePath)
    {
        var urls = context.RequestServices.GetService<AccessTokenUrls>();
        var detail = urls is null
            ? "This resource needs an access token (Authorization: Bearer <token>)."
            : $"This resource needs an access token for {urls.Resource(context.Request, resourcePath)} (Authorization: Bearer <token>); "
                + $"its protected resource metadata, which names the authorization server, is at {urls.ResourceMetadata(context.Request, resourcePath)} (RFC 9728).";
        return new Refusal(StatusCodes.Status401Unauthorized, ProblemCodes.AccessTokenMissing, detail);
    }

    /// <summary>
    /// The OAuth error for the <c>WWW-Authenticate</c> challenge, or null for none: a missing token has none; a DPoP proof
    /// refused is <c>invalid_dpop_proof</c>; any other 401 to a request that presented a token (invalid, expired, its
    /// agent unknown or its secret revoked) is <c>invalid_token</c>; a 403 is <c>insufficient_scope</c>.
    /// </summary>
    public static string? OAuthError(Refusal refusal, bool tokenPresented) => refusal switch
    {
        { Code: ProblemCodes.AccessTokenMissing } => null,
        { Code: ProblemCodes.DpopProofInvalid } => "invalid_dpop_proof",
        { Code: ProblemCodes.AccessTokenInvalid or ProblemCodes.AccessTokenExpired } => "invalid_token",
        { Status: StatusCodes.Status401Unauthorized } when tokenPresented => "invalid_token",
        { Status: StatusCodes.Status403Forbidden } when tokenPresented => "insufficient_scope",
        _ => null,
    };
}
