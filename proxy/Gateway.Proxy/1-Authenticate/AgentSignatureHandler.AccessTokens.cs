using Gateway.Connectors.Signing;
using Gateway.Authorization.AccessTokens;
using Gateway.Oversight.Http;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The access-token half of the agent scheme: on an endpoint marked <see cref="AccessTokenResourceMetadata"/>, a request
/// without the signature headers may present <c>Authorization: Bearer|DPoP &lt;token&gt;</c> instead. The token (and its
/// DPoP proof) stands in for the signature only; the agent lookup, the secret checks and the bounded body read are the
/// signed request's, and the record is the same <see cref="AuthenticatedRequest"/>.
/// </summary>
internal sealed partial class AgentSignatureHandler
{
    private static bool AcceptsAccessToken(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<AccessTokenResourceMetadata>() is not null;

    /// <summary>The token presented on this request, verified for this endpoint's resource (fails closed when the service is missing).</summary>
    private PresentedAccessToken VerifyAccessToken(HttpContext context)
    {
        var verifier = context.RequestServices.GetService<AccessTokenVerifier>();
        var resourcePath = ResourcePath(context.GetEndpoint());
        return verifier is null || resourcePath is null
            ? PresentedAccessToken.Refused(ProblemCodes.AccessTokenInvalid, "This gateway does not accept access tokens here.")
            : verifier.Verify(context.Request, resourcePath, _gateway.Authentication.MaxClockSkew);
    }

    /// <summary>
    /// RFC 9728 §5.1 and RFC 9449 §7.1: tells a client where the resource's metadata is, so an MCP client finds the
    /// token endpoint; a refused token is named by its OAuth error (<see cref="BearerChallenge.OAuthError"/>; never echoed).
    /// </summary>
    private void ChallengeForAccessToken(Refusal refusal)
    {
        var urls = Context.RequestServices.GetService<AccessTokenUrls>();
        var resourcePath = ResourcePath(Context.GetEndpoint());
        if (urls is null || resourcePath is null)
        {
            return;
        }

        var metadata = urls.ResourceMetadata(Context.Request, resourcePath);
        // The signed-request refusals are not OAuth ones: an OAuth error only for a request that presented a token.
        var tokenPresented = AccessTokenVerifier.IsPresented(Context.Request.Headers) && !Context.Request.Headers.ContainsKey(SignatureHeaders.Signature);
        var error = BearerChallenge.OAuthError(refusal, tokenPresented) is { } oauthError ? $", error=\"{oauthError}\"" : string.Empty;
        var response = Context.Response;

        // When the headers go out: writing the refusal clears the response first.
        response.OnStarting(() =>
        {
            response.Headers.Append("WWW-Authenticate", $"Bearer resource_metadata=\"{metadata}\"{error}");
            response.Headers.Append("WWW-Authenticate", $"DPoP algs=\"{DpopProof.Algorithm}\", resource_metadata=\"{metadata}\"{error}");
            return Task.CompletedTask;
        });
    }

    private static string? ResourcePath(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<AccessTokenResourceMetadata>()?.ResourcePath;
}
