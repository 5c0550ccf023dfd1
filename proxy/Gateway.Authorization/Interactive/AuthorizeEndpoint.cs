using Gateway.Authorization.AccessTokens;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Gateway.Authorization.Interactive;

/// <summary>
/// <c>GET /oauth/authorize</c>: the authorization-code grant's front door for people's interactive MCP clients, rate
/// limited per client address (<see cref="InteractiveRateLimit"/>). The
/// client and its redirect URI are checked first (an agent's <c>interactive:</c> block must list the client, and the URI
/// must match one of its URIs exactly, a loopback one on any port: <see cref="RedirectUris"/>; for a client identified
/// by a metadata document, the URIs its document names: <see cref="ClientMetadataDocuments"/>); until both are known to
/// be right nothing is redirected (RFC 6749 §4.1.2.1), the answer is a 400 OAuth error. Then, redirected back to the
/// client with <c>iss</c> (RFC 9207): <c>response_type</c> other than <c>code</c> (<c>unsupported_response_type</c>), a
/// PKCE challenge missing or not <c>S256</c> (<c>invalid_request</c>), a <c>resource</c> (RFC 8707) missing or not one of
/// the gateway's protected resources (<c>invalid_target</c>). A good request is kept in the store, with the requested
/// <c>scope</c>s the agent's block declares (others are not granted), and the browser goes to the console, where the
/// person signs in at the tenant's provider and consents. A client that several agents accept with this redirect URI (one
/// metadata document, or registration, allowed by two tenants) is no one's to refuse for another: the request is kept
/// unbound, and the agent is the one of the signed-in person's tenant whose block lists them (chosen at the consent).
/// </summary>
internal sealed partial class AuthorizeEndpoint
{
    private readonly IInteractiveHost _host;
    private readonly IAccessTokenHost _resources;
    private readonly AccessTokenUrls _urls;
    private readonly InteractiveGrants _grants;
    private readonly ClientMetadataDocuments _documents;
    private readonly RegisteredClients _registered;
    private readonly InteractiveRateLimit _limit;
    private readonly ILogger<AuthorizeEndpoint> _logger;

    public AuthorizeEndpoint(IInteractiveHost host, IAccessTokenHost resources, AccessTokenUrls urls, InteractiveGrants grants, ClientMetadataDocuments documents, RegisteredClients registered, InteractiveRateLimit limit, ILogger<AuthorizeEndpoint> logger)
    {
        _limit = limit;
        _registered = registered;
        _documents = documents;
        _host = host;
        _resources = resources;
        _urls = urls;
        _grants = grants;
        _logger = logger;
    }

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        if (await _limit.RefuseAsync(context, InteractiveRateLimit.Authorize).ConfigureAwait(false) is { } limited)
        {
            // Counted before anything is read or kept: a flood keeps nothing in the store (InteractiveRateLimit).
            return limited;
        }

        var query = context.Request.Query;
        foreach (var (name, values) in query)
        {
            if (values.Count > 1)
            {
                return Refuse(OAuthErrors.InvalidRequest, $"The parameter {name} appears more than once.");
            }
        }

        var clientId = Single(query, "client_id");
        if (string.IsNullOrEmpty(clientId))
        {
            return Refuse(OAuthErrors.InvalidRequest, "client_id is required.");
        }

        var agents = _host.FindByClient(clientId);
        IReadOnlyList<string>? registeredUris = null;
        if (agents.Count == 0 && RegisteredClients.IsRegisteredId(clientId)
            && (registeredUris = await _registered.RedirectUrisAsync(clientId, context.RequestAborted).ConfigureAwait(false)) is not null)
        {
            // A client that registered itself (RFC 7591): the agent that accepts such clients.
            agents = _host.FindForRegisteredClient(clientId);
        }

        if (agents.Count == 0)
        {
            return Refuse(OAuthErrors.InvalidClient, "No agent of this gateway accepts this client (an agent's interactive.clients lists it).");
        }

        // The redirect URIs each candidate allows: a registered client's (the store's), a metadata document's (fetched
        // only because the bundle lists its URL, once: the same document for every agent that lists it), or the entry's.
        IReadOnlyList<string>? fromDocument = null;
        string? problem = null;
        if (registeredUris is null && agents.Any(static a => a.Client.IsMetadataDocument))
        {
            (fromDocument, problem) = await _documents.RedirectUrisAsync(clientId, context.RequestAborted).ConfigureAwait(false);
        }

        var redirectUri = Single(query, "redirect_uri");
        var fitting = agents.Where(a => (registeredUris ?? (a.Client.IsMetadataDocument ? fromDocument : a.Client.RedirectUris)) is { } uris
            && RedirectUris.Match(uris, redirectUri) is not null).ToList();
        if (fitting.Count == 0)
        {
            return fromDocument is null && problem is not null
                ? Refuse(OAuthErrors.InvalidClient, problem)
                : Refuse(OAuthErrors.InvalidRequest, "redirect_uri is missing or is not one of the client's registered redirect URIs (compared exactly; a loopback URI on any port).");
        }

        var issuer = _urls.Issuer(context.Request);
        var state = Single(query, "state");
        if (Single(query, "response_type") != "code")
        {
            return Back(redirectUri!, "unsupported_response_type", "Only response_type=code is supported.", state, issuer);
        }

        var challenge = Single(query, "code_challenge");
        if (Single(query, "code_challenge_method") != Pkce.Method || !Pkce.IsChallenge(challenge))
        {
            return Back(redirectUri!, OAuthErrors.InvalidRequest, "PKCE is required: code_challenge (43 base64url characters) with code_challenge_method=S256.", state, issuer);
        }

        var resource = Single(query, "resource");
        if (resource is null || !_resources.ResourcePaths.Any(path => _urls.Resource(context.Request, path) == resource))
        {
            return Back(redirectUri!, OAuthErrors.InvalidTarget, "resource must name the gateway's protected resource, e.g. " + _urls.Resource(context.Request, _resources.ResourcePaths.FirstOrDefault() ?? "/mcp") + ".", state, issuer);
        }

        try
        {
            // The scopes asked for that the agent declares (RFC 6749 §3.3: the server may grant fewer than asked; the
            // token answer names those granted). None declared: the agent's policy is the whole scope, as ever.
            var asked = (Single(query, "scope") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (registeredUris is not null)
            {
                // A registration no code was redeemed for lasts only a request's time: held while this one waits for the person.
                await _registered.HoldAsync(clientId, context.RequestAborted).ConfigureAwait(false);
            }

            if (fitting.Count > 1)
            {
                // Several agents accept the client (say two tenants list one metadata document, or allow registration):
                // the person's sign-in chooses the tenant, and the one agent there whose block lists them is chosen at
                // the consent (ConsoleAuthorizePages). Kept unbound: no tenant (several) or no agent; the scopes any declares.
                var tenants = fitting.Select(static a => a.Tenant).Distinct(StringComparer.Ordinal).ToList();
                var open = new PendingAuthorization(tenants.Count == 1 ? tenants[0] : string.Empty, string.Empty, clientId, redirectUri!, challenge!, resource, state, issuer)
                {
                    Scopes = [.. fitting.SelectMany(a => a.Access.Declared(asked)).Distinct(StringComparer.Ordinal)],
                };
                var openId = await _grants.SaveRequestAsync(open, context.RequestAborted).ConfigureAwait(false);
                LogStartedOpen(_logger, fitting.Count, tenants.Count);
                return Results.Redirect(_host.ConsentPath(open.Tenant, openId));
            }

            var agent = fitting[0];
            var pending = new PendingAuthorization(agent.Tenant, agent.Agent, clientId, redirectUri!, challenge!, resource, state, issuer) { Scopes = agent.Access.Declared(asked) };
            var id = await _grants.SaveRequestAsync(pending, context.RequestAborted).ConfigureAwait(false);
            LogStarted(_logger, agent.Tenant, agent.Agent);
            return Results.Redirect(_host.ConsentPath(agent.Tenant, id));
        }
        catch (StateStoreUnavailableException)
        {
            return Back(redirectUri!, OAuthErrors.TemporarilyUnavailable, "The state store cannot be reached; try again.", state, issuer);
        }
    }

    private static string? Single(IQueryCollection query, string name) =>
        query.TryGetValue(name, out StringValues values) && values.Count == 1 ? values[0] : null;

    private IResult Refuse(string error, string description)
    {
        LogRefused(_logger, error);
        return OAuthJson.Error(StatusCodes.Status400BadRequest, error, description);
    }

    private IResult Back(string redirectUri, string error, string description, string? state, string issuer)
    {
        LogRefused(_logger, error);
        return Results.Redirect(AuthorizationResponse.Error(redirectUri, error, description, state, issuer));
    }

    [LoggerMessage(EventId = 4150, Level = LogLevel.Information, Message = "Authorization request for tenant {Tenant}, agent {Agent} sent to sign-in and consent")]
    private static partial void LogStarted(ILogger logger, string tenant, string agent);

    [LoggerMessage(EventId = 4158, Level = LogLevel.Information, Message = "Authorization request sent to sign-in and consent; the agent is chosen there among {Agents} of {Tenants} tenants")]
    private static partial void LogStartedOpen(ILogger logger, int agents, int tenants);

    [LoggerMessage(EventId = 4151, Level = LogLevel.Information, Message = "Authorization request refused: {Error}")]
    private static partial void LogRefused(ILogger logger, string error);
}
