using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.People.Links;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.People;

/// <summary>
/// <c>per_person</c>: the person's own account at the connector's upstream. With <c>token_exchange</c>, an RFC 8693
/// exchange at the upstream's authorization server (cached as the tenant-provider exchange is) of the person's identity
/// token: the one on the request, else the one kept at their sign-in (a person on <c>/mcp</c> with the gateway's access
/// token: <see cref="KeptProviderTokens"/>); otherwise the person's linked account (<see cref="LinkedTokens"/>), refused with
/// <c>upstream_account_not_linked</c> and a fresh link URL (<see cref="LinkGrants"/>) until they link it (or again, once the
/// connector points at another server than the link was made for: <see cref="LinkBinding"/>).
/// </summary>
internal sealed partial class PersonCredentials
{
    /// <summary>
    /// The person's credential for <paramref name="connector"/>, the upstream account it is (a linked account's subject), or
    /// the refusal. <paramref name="acting"/> is the verified person (a signed <c>X-Gamut-Person</c> or a person's access
    /// token); <paramref name="delegated"/> whether a delegated child acts for them (refused unless the connector says
    /// <c>delegated: true</c>); <paramref name="origin"/> the gateway's public origin, the link URL's start.
    /// </summary>
    public async ValueTask<(SecretValue? Credential, string? UpstreamAccount, Refusal? Refusal)> ObtainAsync(
        TenantPolicy tenant, CatalogEntry decided, CatalogEntry connector, ActingPerson? acting, bool delegated, PresentedPerson? presented, string origin,
        CancellationToken cancellationToken)
    {
        if ((decided.Person ?? connector.Person) is not { Credential: PersonCredential.PerPerson } needs)
        {
            var (credential, refusal) = await ObtainAsync(tenant, decided, connector, presented, cancellationToken).ConfigureAwait(false);
            return (credential, null, refusal);
        }

        if (acting is null)
        {
            return (null, null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.PersonRequired,
                $"Connector '{connector.Name}' acts as the person's own upstream account: an agent acting on its own cannot use it. Nothing was forwarded."));
        }

        if (delegated && !needs.Delegated)
        {
            return (null, null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.PersonDelegationNotAllowed,
                $"Connector '{connector.Name}' acts as the person's own upstream account, and its policy does not let a delegated agent use it (person.delegated). Nothing was forwarded."));
        }

        var key = new LinkedAccountKey(tenant.Slug, acting.Issuer, acting.Subject, connector.Name);
        var binding = LinkBinding.Expected(connector, needs);
        if (needs.TokenExchange
            && await ExchangeUpstreamAsync(tenant, key, needs, binding, acting, presented, origin, cancellationToken).ConfigureAwait(false) is { } exchanged)
        {
            return (exchanged, null, null);
        }

        // The link is used only for the authorization server, client, upstream and resource it was made for.
        var (account, state) = await _linked.UsableAsync(key, needs, binding, origin, cancellationToken).ConfigureAwait(false);
        switch (state)
        {
            case LinkState.Usable:
                return (new SecretValue(account!.AccessToken), account.UpstreamSubject, null);
            case LinkState.Unavailable:
                return (null, null, new Refusal(StatusCodes.Status503ServiceUnavailable, ProblemCodes.PersonCredentialUnavailable,
                    $"The person's linked account for connector '{connector.Name}' could not be refreshed: its authorization server cannot be reached or did not issue a token. Nothing was forwarded."));
        }

        var grant = await _grants.IssueAsync(key, cancellationToken).ConfigureAwait(false);
        var linkUrl = origin + LinkGrants.LinkPath(tenant.Slug, connector.Name, grant);
        var relink = state == LinkState.RelinkRequired;
        return (null, null, new Refusal(StatusCodes.Status403Forbidden, relink ? ProblemCodes.UpstreamAccountRelinkRequired : ProblemCodes.UpstreamAccountNotLinked,
            relink
                ? $"Your link to connector '{connector.Name}' no longer works (its refresh was refused); link your account again at link_url, then retry. Nothing was forwarded."
                : $"Connector '{connector.Name}' acts as your own account at its upstream: link it once at link_url, then retry. Nothing was forwarded.")
        {
            LinkUrl = linkUrl,
        });
    }

    /// <summary>
    /// An RFC 8693 exchange of the person's ID token at the upstream's server: the one the request carries, else the one
    /// kept at their sign-in (<see cref="KeptProviderTokens"/>, renewed when about to expire); null when there is none or
    /// the exchange does not work (then the link is asked for). The token is cached under all it was exchanged for
    /// (<paramref name="binding"/> and the scopes), so a reload that changes any of them exchanges again.
    /// </summary>
    private async ValueTask<SecretValue?> ExchangeUpstreamAsync(
        TenantPolicy tenant, LinkedAccountKey key, PersonRequirement needs, LinkBinding binding, ActingPerson acting, PresentedPerson? presented, string origin,
        CancellationToken cancellationToken)
    {
        var cacheKey = ExchangedTokenCache.Key(key.Tenant, key.PersonIssuer, key.PersonSubject, string.Join('\n',
            "per_person", key.Connector, binding.AuthorizationServer, binding.ClientId, binding.Upstream, binding.Resource, string.Join(' ', needs.Scopes)));
        if (await _exchanged.GetAsync(cacheKey, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            return cached;
        }

        try
        {
            var subjectToken = presented is not null && presented.Person == acting
                ? presented.Token
                : await _kept.UsableAsync(tenant, acting, cancellationToken).ConfigureAwait(false);
            if (subjectToken is null)
            {
                return null;
            }

            var client = await _upstreamServers.ClientAsync(key.Tenant, key.Connector, needs, origin, cancellationToken).ConfigureAwait(false);
            var scope = needs.Scopes.Count > 0 ? string.Join(' ', needs.Scopes) : null;
            var (issued, status, error) = await _upstreamServers.TokenAsync(needs, client, ExchangeForm(subjectToken, audience: null, needs.Resource, scope), cancellationToken).ConfigureAwait(false);
            if (issued?.AccessToken is not { } token)
            {
                LogExchangeRefused(_logger, key.Connector, key.Tenant, status, error ?? "unknown");
                return null;
            }

            if (issued.ExpiresIn is { } seconds && TimeSpan.FromSeconds(Math.Min(seconds, 86_400)) is var lifetime && lifetime > _options.ExchangedTokenMargin)
            {
                await _exchanged.SetAsync(cacheKey, token, _time.GetUtcNow() + lifetime - _options.ExchangedTokenMargin, cancellationToken).ConfigureAwait(false);
            }

            return new SecretValue(token);
        }
        catch (Exception ex) when (ex is OpenIdProviderUnavailableException or CredentialUnavailableException or HttpRequestException or JsonException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogExchangeFailed(_logger, key.Connector, key.Tenant, ex.GetType().Name);
            return null;
        }
    }
}
