using Gateway.Connectors.Signing;
using Gateway.Authorization.AccessTokens;
using Gateway.Authorization.Interactive;
using Gateway.Policy;
using Gateway.Store;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The access-token half of the Authenticate stage: on an endpoint marked <see cref="AccessTokenResourceMetadata"/>, a request
/// without the signature headers may present <c>Authorization: Bearer|DPoP &lt;token&gt;</c> instead. The token (and its
/// DPoP proof) stands in for the signature only; the agent lookup, the secret checks and the bounded body read are the
/// signed request's, and the record is the same <see cref="AuthenticatedRequest"/>.
/// </summary>
internal sealed partial class AgentAuthenticator
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
    /// The values of the <c>WWW-Authenticate</c> headers; none when this gateway serves no resource metadata here.
    /// </summary>
    private static string[] AccessTokenChallenge(HttpContext context, Refusal refusal)
    {
        var urls = context.RequestServices.GetService<AccessTokenUrls>();
        var resourcePath = ResourcePath(context.GetEndpoint());
        if (urls is null || resourcePath is null)
        {
            return [];
        }

        var metadata = urls.ResourceMetadata(context.Request, resourcePath);
        // The signed-request refusals are not OAuth ones: an OAuth error only for a request that presented a token.
        var tokenPresented = AccessTokenVerifier.IsPresented(context.Request.Headers) && !context.Request.Headers.ContainsKey(SignatureHeaders.Signature);
        var error = BearerChallenge.OAuthError(refusal, tokenPresented) is { } oauthError ? $", error=\"{oauthError}\"" : string.Empty;
        return
        [
            $"Bearer resource_metadata=\"{metadata}\"{error}",
            $"DPoP algs=\"{DpopProof.Algorithm}\", resource_metadata=\"{metadata}\"{error}",
        ];
    }

    /// <summary>
    /// The person a token of the authorization-code grant acts for, or the refusal: the agent's <c>interactive:</c> block
    /// no longer lists the client or the person, the person signed in at a provider the tenant no longer uses, the consent
    /// (its token family) was revoked, or the person is suspended (503 when the store cannot say; 500 <c>internal_error</c>,
    /// logged, when reading it fails otherwise).
    /// Read from the store on every request, so each takes effect at once, mid-session, on every replica.
    /// </summary>
    private static async ValueTask<(ActingPerson? Person, Refusal? Refusal)> PersonOfTokenAsync(HttpContext context, AuthenticatedCaller subject, TokenPerson token)
    {
        var host = context.RequestServices.GetService<IInteractiveHost>();
        var grants = context.RequestServices.GetService<InteractiveGrants>();
        var person = new ActingPerson(token.Subject, token.Issuer, token.Groups) { RegisterId = token.RegisterId };
        if (host is null || grants is null || host.Find(subject.Tenant, subject.Agent, token.ClientId) is not { } agent
            || agent.Workspace != subject.Workspace || !agent.Access.Allows(person))
        {
            return (null, new Refusal(StatusCodes.Status401Unauthorized, ProblemCodes.AccessTokenInvalid, "The bundle no longer lets this person use this client as this agent."));
        }

        if (!host.SignsInAt(subject.Tenant, token.Issuer))
        {
            return (null, new Refusal(StatusCodes.Status401Unauthorized, ProblemCodes.AccessTokenInvalid, "The person signed in at a provider this tenant no longer uses."));
        }

        try
        {
            if (!await grants.IsFamilyLiveAsync(token.Family, context.RequestAborted).ConfigureAwait(false))
            {
                return (null, new Refusal(StatusCodes.Status401Unauthorized, ProblemCodes.AccessTokenInvalid, "The person's consent for this client was revoked, or its tokens were."));
            }

            if (await host.IsPersonSuspendedAsync(subject.Tenant, token.Issuer, token.Subject, context.RequestAborted).ConfigureAwait(false))
            {
                return (null, new Refusal(StatusCodes.Status401Unauthorized, ProblemCodes.AccessTokenInvalid, "The person this token acts for is suspended."));
            }
        }
        catch (StateStoreUnavailableException)
        {
            return (null, Refusal.StoreUnavailable());
        }
        catch (Exception ex) when (UnexpectedAfterSignature(context, ex))
        {
            // As a signed X-Gamut-Person's: logged, 500 internal_error, recorded once a minute (RecordedTokenPersonRefusal).
            LogUnexpectedAfterSignature(context.RequestServices.GetRequiredService<ILogger<AgentAuthenticator>>(), ex);
            return (null, Refusal.Internal());
        }

        return (person, null);
    }

    /// <summary>
    /// A verified token's person refused (<see cref="PersonOfTokenAsync"/>), recorded under its agent as a signed
    /// <c>X-Gamut-Person</c>'s refusal is: once a minute (no rate limit stops a client looping with its revoked consent's
    /// token; a 500 <c>internal_error</c>'s too, as <see cref="RecordedInternal"/>), a store outage's each time (the
    /// once-a-minute claim needs the store); another 503 is answered only.
    /// </summary>
    private static Refusal RecordedTokenPersonRefusal(HttpContext context, AgentIdentity byToken, Refusal refusal)
    {
        var outage = refusal.Code == ProblemCodes.StoreUnavailable;
        return !outage && refusal.Status == StatusCodes.Status503ServiceUnavailable
            ? refusal
            : Recorded(context, PersonAuthentication.RecordedUnder(byToken), outage ? refusal : refusal with { RecordedOncePerMinute = true });
    }

    /// <summary>
    /// The delegated child <paramref name="caller"/> names (<see cref="DelegateDirectory.FindAsync"/>), or the refusal when it
    /// cannot be read: 503 <c>store_unavailable</c>, or, once a verified token proved the caller, a failure recorded under it
    /// each time (an unexpected one 500 <c>internal_error</c>); a signed request's, before its signature, proves no one.
    /// </summary>
    private async ValueTask<(AgentLookup Lookup, DelegatedAgent? Delegate, bool IssuerRetired, Refusal? Refusal)> FindDelegateAsync(HttpContext context, AuthenticatedCaller caller, AgentIdentity? byToken)
    {
        try
        {
            var (lookup, delegated, issuerRetired) = await _delegates.FindAsync(caller.Tenant, caller.Workspace, caller.Agent, context.RequestAborted).ConfigureAwait(false);
            return (lookup, delegated, issuerRetired, null);
        }
        catch (StateStoreUnavailableException)
        {
            var outage = Refusal.StoreUnavailable();
            return (default, null, false, byToken is null ? outage : Recorded(context, byToken, outage));
        }
        catch (Exception ex) when (byToken is not null && UnexpectedAfterSignature(context, ex))
        {
            return (default, null, false, RecordedInternal(context, byToken, ex));
        }
    }

    /// <summary>401 <c>secret_retired</c> for a credential (a child, an access token) obtained with a secret or key its agent no longer accepts; recorded once a minute.</summary>
    private static Refusal RetiredCredential() =>
        new(StatusCodes.Status401Unauthorized, ProblemCodes.SecretRetired,
            "The secret or key this credential was obtained with is no longer accepted; obtain it again with the agent's secret or key in effect.")
        {
            RecordedOncePerMinute = true,
        };

    private static string? ResourcePath(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<AccessTokenResourceMetadata>()?.ResourcePath;
}
