using System.Text.Json;
using Gateway.Authorization.AccessTokens;
using Gateway.Authorization.Interactive;
using Gateway.Connectors.Credentials;
using Gateway.Policy;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.People;
using Gateway.Proxy.People.Links;
using Gateway.Store;

namespace Gateway.Proxy.Console;

/// <summary>
/// Links a person's upstream account (<c>per_person</c>): the link page takes the link grant (single use, bound to the
/// tenant, person and connector) only for a console session of that same person, and sends them to the upstream's
/// authorization endpoint (authorization code, PKCE S256, a random <c>state</c>, a <c>nonce</c>, <c>resource</c> when set);
/// the callback takes the flow (once) by its <c>state</c>, again only for the same person's session, checks the
/// <c>iss</c> parameter (RFC 9207: required when the server says it sends it, and always equal to its issuer when present),
/// checks the connector still names the authorization server, upstream and resource the link was started for, exchanges
/// the code, and stores the link bound to them and the client (<see cref="LinkedAccounts"/>, <see cref="LinkBinding"/>).
/// </summary>
internal sealed partial class ConsoleLinkFlow
{
    private static readonly TimeSpan FlowLifetime = TimeSpan.FromMinutes(10);

    private readonly PolicyProvider _policy;
    private readonly LinkGrants _grants;
    private readonly LinkedAccounts _accounts;
    private readonly UpstreamAuthorization _upstream;
    private readonly IStateStore _store;
    private readonly PublicOrigin _origin;
    private readonly TimeProvider _time;
    private readonly ILogger<ConsoleLinkFlow> _logger;

    public ConsoleLinkFlow(PolicyProvider policy, LinkGrants grants, LinkedAccounts accounts, UpstreamAuthorization upstream, IStateStore store, PublicOrigin origin,
        TimeProvider time, ILogger<ConsoleLinkFlow> logger)
    {
        _policy = policy;
        _grants = grants;
        _accounts = accounts;
        _upstream = upstream;
        _store = store;
        _origin = origin;
        _time = time;
        _logger = logger;
    }

    /// <summary>The connector's <c>per_person</c> needs in the tenant's current policy, or null.</summary>
    public PersonRequirement? NeedsOf(string tenant, string connector) => ConnectorOf(tenant, connector)?.Person;

    /// <summary>The tenant's <c>per_person</c> connector of that name in the current policy, or null.</summary>
    private CatalogEntry? ConnectorOf(string tenant, string connector) =>
        _policy.Current is { } snapshot && snapshot.Set.TryGetTenant(tenant, out var policy)
        && policy!.TryGetCatalogEntry(connector, out var entry) && entry is { Person.Credential: PersonCredential.PerPerson }
            ? entry
            : null;

    /// <summary>The link page: the person's session (the caller checked it is this tenant's) takes the grant and goes to the upstream.</summary>
    public async ValueTask<ConsoleOutcome> StartAsync(HttpContext context, ConsoleSession session, string tenant, string connector, string grantId)
    {
        var grant = await _grants.PeekAsync(tenant, grantId, context.RequestAborted);
        if (grant is null || grant.Connector != connector)
        {
            return Refused(tenant, StatusCodes.Status400BadRequest, "link_grant_invalid", "This link expired or was already used. Call the tool again for a new one.");
        }

        if (grant.PersonIssuer != session.Issuer || grant.PersonSubject != session.Subject)
        {
            return Refused(tenant, StatusCodes.Status403Forbidden, "link_person_mismatch", "This link was made for another person; sign in as them, or call the tool again as yourself.");
        }

        if (ConnectorOf(tenant, connector) is not { Person: { } needs } entry || await _grants.TakeAsync(tenant, grantId, context.RequestAborted) is null)
        {
            return Refused(tenant, StatusCodes.Status400BadRequest, "link_grant_invalid", "This link expired or was already used. Call the tool again for a new one.");
        }

        try
        {
            var origin = _origin.For(context.Request);
            var metadata = await _upstream.MetadataAsync(needs, context.RequestAborted);
            var client = await _upstream.ClientAsync(tenant, connector, needs, origin, context.RequestAborted);
            if (UpstreamAuthorization.Endpoint(needs, metadata.AuthorizationEndpoint) is not { } authorize)
            {
                return Refused(tenant, StatusCodes.Status503ServiceUnavailable, "link_server_unavailable", "The upstream's authorization server names no usable authorization endpoint.");
            }

            var state = ConsoleSessions.RandomToken();
            var flow = new LinkFlowState(tenant, grant.PersonIssuer, grant.PersonSubject, connector, ConsoleSessions.RandomToken(), ConsoleSessions.RandomToken(),
                UpstreamAuthorization.RedirectUri(origin, tenant), client.ClientId, LinkBinding.Made(entry, needs, client.ClientId));
            await _store.SetAsync(FlowKey(tenant, state), JsonSerializer.Serialize(flow, LinksJsonContext.Default.LinkFlowState), FlowLifetime, context.RequestAborted);
            var query = new Dictionary<string, string?>
            {
                ["response_type"] = "code",
                ["client_id"] = client.ClientId,
                ["redirect_uri"] = flow.RedirectUri,
                ["state"] = state,
                ["nonce"] = flow.Nonce,
                ["code_challenge"] = Pkce.ChallengeOf(flow.CodeVerifier),
                ["code_challenge_method"] = Pkce.Method,
            };
            if (needs.Scopes.Count > 0)
            {
                query["scope"] = string.Join(' ', needs.Scopes);
            }

            if (needs.Resource is { } resource)
            {
                query["resource"] = resource.AbsoluteUri;
            }

            var queryString = QueryString.Create(query).Value!;
            return ConsoleOutcome.Redirect(authorize.AbsoluteUri + (string.IsNullOrEmpty(authorize.Query) ? queryString : "&" + queryString[1..]));
        }
        catch (Exception ex) when (ex is OpenIdProviderUnavailableException or CredentialUnavailableException or HttpRequestException or JsonException
            || (ex is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            LogRefused(_logger, tenant, connector, "link_server_unavailable:" + ex.GetType().Name);
            return ConsoleOutcome.Refused(StatusCodes.Status503ServiceUnavailable, "link_server_unavailable", "The upstream's authorization server (or the gateway's client there) cannot be reached.");
        }
    }

    /// <summary>The upstream sent the person back: the flow (once, the same person's), <c>iss</c>, the code exchanged, the link stored.</summary>
    public async ValueTask<(ConsoleOutcome Outcome, string? Connector)> CallbackAsync(HttpContext context, ConsoleSession session, string tenant)
    {
        var query = context.Request.Query;
        var state = query["state"].Count == 1 ? query["state"][0] : null;
        var json = state is { Length: > 0 and <= 128 } ? await _store.TakeAsync(FlowKey(tenant, state), context.RequestAborted) : null;
        var flow = json is null ? null : JsonSerializer.Deserialize(json, LinksJsonContext.Default.LinkFlowState);
        if (flow is null || flow.Tenant != tenant)
        {
            return (Refused(tenant, StatusCodes.Status400BadRequest, "link_expired", "This link expired or was already used. Call the tool again for a new one."), null);
        }

        if (flow.PersonIssuer != session.Issuer || flow.PersonSubject != session.Subject)
        {
            return (Refused(tenant, StatusCodes.Status403Forbidden, "link_person_mismatch", "This link was started by another person; nothing was linked."), null);
        }

        if (ConnectorOf(tenant, flow.Connector) is not { Person: { } needs } entry)
        {
            return (Refused(tenant, StatusCodes.Status404NotFound, "link_connector_unknown", "The connector no longer asks for a linked account."), null);
        }

        if (flow.Binding is { } started && !started.Allows(LinkBinding.Expected(entry, needs) with { ClientId = null }))
        {
            // The bundle now points the connector at another authorization server, upstream or resource than the person
            // was sent to consent for: that server's code is neither exchanged nor linked. (A flow started by an earlier
            // version records no binding: the link is bound to the connector's settings now, as a stored unbound link is.)
            return (Refused(tenant, StatusCodes.Status409Conflict, "link_server_changed",
                "The connector's authorization server or upstream changed while you were linking; nothing was linked. Call the tool again for a new link."), flow.Connector);
        }

        try
        {
            var metadata = await _upstream.MetadataAsync(needs, context.RequestAborted);
            var iss = query["iss"].Count == 1 ? query["iss"][0] : null;
            if (query["iss"].Count > 1 || (iss is null ? metadata.AuthorizationResponseIssParameterSupported : iss != needs.AuthorizationServerText))
            {
                // RFC 9207: an answer from another server (a mix-up attack) is not this server's code.
                return (Refused(tenant, StatusCodes.Status400BadRequest, "link_issuer_mismatch", "The answer did not come from the connector's authorization server; nothing was linked."), flow.Connector);
            }

            if (query["error"].Count > 0 || query["code"].Count != 1 || query["code"][0] is not { Length: > 0 and <= 4096 } code)
            {
                return (Refused(tenant, StatusCodes.Status403Forbidden, "link_refused", "The upstream did not grant access; nothing was linked."), flow.Connector);
            }

            var origin = _origin.For(context.Request);
            var client = await _upstream.ClientAsync(tenant, flow.Connector, needs, origin, context.RequestAborted);
            if (client.ClientId != flow.ClientId)
            {
                return (Refused(tenant, StatusCodes.Status409Conflict, "link_client_changed", "The gateway's client at the upstream changed meanwhile; start the link again."), flow.Connector);
            }

            var form = new List<KeyValuePair<string, string>>
            {
                new("grant_type", "authorization_code"),
                new("code", code),
                new("redirect_uri", flow.RedirectUri),
                new("code_verifier", flow.CodeVerifier),
            };
            if (needs.Resource is { } resource)
            {
                form.Add(new("resource", resource.AbsoluteUri));
            }

            var (issued, status, error) = await _upstream.TokenAsync(needs, client, form, context.RequestAborted);
            if (issued is null)
            {
                LogRefused(_logger, tenant, flow.Connector, $"token endpoint answered {status} {error}");
                return (Refused(tenant, StatusCodes.Status502BadGateway, "link_code_refused", "The upstream did not exchange the authorization code; nothing was linked."), flow.Connector);
            }

            var now = _time.GetUtcNow();
            var account = new LinkedAccount
            {
                LinkId = ConsoleSessions.RandomToken(),
                AccessToken = issued.AccessToken!,
                RefreshToken = issued.RefreshToken,
                ExpiresAt = issued.ExpiresIn is > 0 and var seconds ? now + TimeSpan.FromSeconds(Math.Min(seconds, 31_536_000)) : null,
                UpstreamSubject = UpstreamAuthorization.SubjectOf(needs, client.ClientId, issued, flow.Nonce),
                Scope = issued.Scope,
                LinkedAt = now,
                Binding = LinkBinding.Made(entry, needs, client.ClientId),
            };
            await _accounts.StoreAsync(new LinkedAccountKey(tenant, flow.PersonIssuer, flow.PersonSubject, flow.Connector), account, context.RequestAborted);
            LogLinked(_logger, tenant, flow.Connector);
            return (ConsoleOutcome.Redirect(string.Empty, session), flow.Connector);
        }
        catch (Exception ex) when (ex is OpenIdProviderUnavailableException or CredentialUnavailableException or HttpRequestException or JsonException
            || (ex is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            LogRefused(_logger, tenant, flow.Connector, "link_server_unavailable:" + ex.GetType().Name);
            return (ConsoleOutcome.Refused(StatusCodes.Status503ServiceUnavailable, "link_server_unavailable", "The upstream's authorization server cannot be reached; nothing was linked."), flow.Connector);
        }
    }

    private ConsoleOutcome Refused(string tenant, int status, string code, string message)
    {
        LogRefused(_logger, tenant, "-", code);
        return ConsoleOutcome.Refused(status, code, message);
    }

    /// <summary>The store key of a link flow under way, by its <c>state</c>'s hash.</summary>
    internal static string FlowKey(string tenant, string state) => $"{StoreKeys.Prefix}{{{tenant}}}:link-flow:{ConsoleSessions.Hash(state)}";

    [LoggerMessage(EventId = 3327, Level = LogLevel.Information, Message = "A person linked their account for connector {Connector} of tenant {Tenant}")]
    private static partial void LogLinked(ILogger logger, string tenant, string connector);

    [LoggerMessage(EventId = 3328, Level = LogLevel.Information, Message = "A link for connector {Connector} of tenant {Tenant} was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string tenant, string connector, string reason);
}
