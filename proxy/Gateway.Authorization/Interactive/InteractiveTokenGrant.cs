using Gateway.Authorization.AccessTokens;
using Gateway.Oversight.Agents;
using Gateway.Policy;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Gateway.Authorization.Interactive;

/// <summary>
/// The token endpoint's grants for people's interactive clients (public clients: <c>token_endpoint_auth_method</c>
/// <c>none</c>, proven by PKCE and by holding the code or refresh token): <c>authorization_code</c> (the code once, the
/// same client and redirect URI, a verifier whose S256 is the challenge, the same resource when one is named) and
/// <c>refresh_token</c> (rotating: each use gives a new one; an old one used again revokes the family). Each is refused
/// with <c>invalid_grant</c> when the person is suspended, the bundle no longer lets them use this client as this agent,
/// a kill switch stops the agent (it or its tenant suspended, its secret revoked), or the family was revoked. The access
/// token names the agent (its policy governs) and carries the person (<see cref="TokenPerson"/>). A DPoP proof on the
/// request (RFC 9449) binds the access token to its key and the refresh token too (a public client's: every refresh
/// proves the same key).
/// </summary>
internal sealed partial class InteractiveTokenGrant
{
    public const string AuthorizationCode = "authorization_code";
    public const string RefreshToken = "refresh_token";

    private readonly IInteractiveHost _host;
    private readonly RegisteredClients _registered;
    private readonly IAccessTokenHost _tokens;
    private readonly InteractiveGrants _grants;
    private readonly AccessTokenFormat _format;
    private readonly AccessTokenUrls _urls;
    private readonly IStateStore _store;
    private readonly AgentStatusService _switches;
    private readonly TimeProvider _time;
    private readonly AccessTokenOptions _options;
    private readonly ILogger<InteractiveTokenGrant> _logger;

    public InteractiveTokenGrant(IInteractiveHost host, RegisteredClients registered, IAccessTokenHost tokens, InteractiveGrants grants, AccessTokenFormat format, AccessTokenUrls urls, IStateStore store, AgentStatusService switches, TimeProvider time, IOptions<AccessTokenOptions> options, ILogger<InteractiveTokenGrant> logger)
    {
        _host = host;
        _registered = registered;
        _tokens = tokens;
        _grants = grants;
        _format = format;
        _urls = urls;
        _store = store;
        _switches = switches;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    public async Task<IResult> HandleAsync(HttpContext context, IFormCollection form, string grantType)
    {
        if (context.Request.Headers.Authorization.Count > 0 || form.ContainsKey("client_secret") || form.ContainsKey("client_assertion"))
        {
            return Refuse(StatusCodes.Status401Unauthorized, OAuthErrors.InvalidClient, "An interactive client is a public client: send client_id only (token_endpoint_auth_method none); PKCE proves it.");
        }

        var clientId = Single(form, "client_id");
        if (string.IsNullOrEmpty(clientId))
        {
            return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidRequest, "client_id is required.");
        }

        var ct = context.RequestAborted;
        var now = _time.GetUtcNow();
        var (proof, proofRefusal) = CheckProof(context, now);
        if (proofRefusal is not null)
        {
            // Checked before the code or refresh token is spent: a malformed proof costs the client nothing.
            return proofRefusal;
        }

        if (Single(form, "resource") is { } named && !_tokens.ResourcePaths.Any(path => _urls.Resource(context.Request, path) == named))
        {
            // Also checked before the code or refresh token is spent: a resource the gateway does not serve (a typo, a
            // trailing slash) costs the client nothing; one of its resources other than the grant's is refused below.
            return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidTarget, "resource must name the gateway's protected resource, e.g. " + _urls.Resource(context.Request, _tokens.ResourcePaths.FirstOrDefault() ?? "/mcp") + ".");
        }

        InteractiveGrant? grant;
        if (grantType == AuthorizationCode)
        {
            grant = await _grants.RedeemCodeAsync(Single(form, "code"), ct).ConfigureAwait(false);
            if (grant is null)
            {
                return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidGrant, "The authorization code is unknown, expired or was used before (a code used twice revokes the tokens it gave).");
            }

            if (grant.ClientId != clientId || grant.RedirectUri != Single(form, "redirect_uri") || !Pkce.Verifies(Single(form, "code_verifier"), grant.CodeChallenge))
            {
                // The code is spent either way: a thief who guessed wrong does not get another try.
                await _grants.RevokeFamilyAsync(grant.Family, ct).ConfigureAwait(false);
                return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidGrant, "The code was issued to another client or redirect URI, or the code_verifier does not match its challenge.");
            }
        }
        else
        {
            grant = await _grants.RedeemRefreshTokenAsync(Single(form, "refresh_token"), ct).ConfigureAwait(false);
            if (grant is null)
            {
                return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidGrant, "The refresh token is unknown, expired, revoked, or was used before (reusing a rotated one revokes its family).");
            }

            if (grant.ClientId != clientId)
            {
                await _grants.RevokeFamilyAsync(grant.Family, ct).ConfigureAwait(false);
                return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidGrant, "The refresh token was issued to another client.");
            }
        }

        if (Single(form, "resource") is { } resource && resource != grant.Resource)
        {
            return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidTarget, "The grant is for another resource.");
        }

        var agent = _host.Find(grant.Tenant, grant.Agent, grant.ClientId);
        if (agent is { Client.Registered: true } && !await _registered.RenewAsync(grant.ClientId, ct).ConfigureAwait(false))
        {
            // RFC 6749 §5.2: the client is no longer known; a client that registered itself registers again.
            await _grants.RevokeFamilyAsync(grant.Family, ct).ConfigureAwait(false);
            return Refuse(StatusCodes.Status401Unauthorized, OAuthErrors.InvalidClient, "The client's registration has expired; register it again.");
        }

        if (await StillAllowedAsync(grant, agent, ct).ConfigureAwait(false) is { } refused)
        {
            await _grants.RevokeFamilyAsync(grant.Family, ct).ConfigureAwait(false);
            return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidGrant, refused);
        }

        // The agent's max_session as the bundle says now, counted from the consent: a shortened one ends older families.
        var consentGranted = grant.ConsentGranted ?? await ConsentGrantedAsync(grant, ct).ConfigureAwait(false);
        var ends = consentGranted + agent!.Access.MaxSession is { } limit && limit < grant.FamilyEnds ? limit : grant.FamilyEnds;
        if (ends <= now)
        {
            await _grants.RevokeFamilyAsync(grant.Family, ct).ConfigureAwait(false);
            return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidGrant, "The agent's max_session, as the bundle says now, has passed since the person consented: authorize again.");
        }

        var caller = new AuthenticatedCaller(grant.Tenant, grant.Workspace, grant.Agent);
        var thumbprint = proof?.Thumbprint;
        if (proof is not null && !await _store.TrySetIfAbsentAsync(_tokens.NonceKey(caller, AccessTokenNonces.Dpop(proof.Jti)),
            now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), _tokens.NonceLifetime, ct).ConfigureAwait(false))
        {
            await _grants.RevokeFamilyAsync(grant.Family, ct).ConfigureAwait(false);
            return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidDpopProof, "This DPoP proof was used before; make a new one.");
        }

        if (grant.Jkt is not null && grant.Jkt != thumbprint)
        {
            // RFC 9449 §5: a refresh token bound to a key is used only with a proof by that key.
            await _grants.RevokeFamilyAsync(grant.Family, ct).ConfigureAwait(false);
            return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidGrant, "This refresh token is bound to a DPoP key: refresh with a proof signed by that key.");
        }

        var lifetime = _options.Lifetime < ends - now ? _options.Lifetime : ends - now;
        var person = new TokenPerson(grant.Subject, grant.Issuer, grant.Groups, grant.ClientId, grant.Family) { Scopes = grant.Scopes, RegisterId = grant.RegisterId };
        var token = _format.Issue(_urls.Issuer(context.Request), grant.Resource, caller, thumbprint, null, now, lifetime, person);
        var refresh = await _grants.IssueRefreshTokenAsync(grant with { Jkt = thumbprint, ConsentGranted = consentGranted }, ct).ConfigureAwait(false);
        LogIssued(_logger, grant.Tenant, grant.Agent, grantType);
        return OAuthJson.Object(StatusCodes.Status200OK, json =>
        {
            json.WriteString("access_token", token);
            json.WriteString("token_type", thumbprint is null ? "Bearer" : "DPoP");
            json.WriteNumber("expires_in", (long)lifetime.TotalSeconds);
            json.WriteString("refresh_token", refresh);
            if (grant.Scopes.Count > 0)
            {
                json.WriteString("scope", string.Join(' ', grant.Scopes));
            }
        });
    }

    /// <summary>
    /// The request's DPoP proof (RFC 9449), when it carries one, checked for this endpoint (its <c>jti</c> is used once
    /// after the grant is known); or the refusal (<c>invalid_dpop_proof</c>). No proof: (null, null), a bearer token.
    /// </summary>
    private (DpopProof? Proof, IResult? Refusal) CheckProof(HttpContext context, DateTimeOffset now)
    {
        if (context.Request.Headers[DpopProof.HeaderName] is not { Count: > 0 } header)
        {
            return (null, null);
        }

        if (header.Count != 1)
        {
            return (null, Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidDpopProof, "Send one DPoP proof."));
        }

        var proof = DpopProof.Check(header[0], HttpMethods.Post, new Uri(_urls.TokenEndpoint(context.Request)), null, now, _tokens.ClockSkew, out var problem);
        return proof is null ? (null, Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidDpopProof, problem)) : (proof, null);
    }

    /// <summary>Why the grant may no longer be used (the bundle, as <paramref name="agent"/> reads it now; the tenant's provider; the person's suspension; the agent's kill switches), or null.</summary>
    private async ValueTask<string?> StillAllowedAsync(InteractiveGrant grant, InteractiveAgent? agent, CancellationToken ct)
    {
        if (agent is null || agent.Workspace != grant.Workspace
            || !agent.Access.Allows(new ActingPerson(grant.Subject, grant.Issuer, grant.Groups)))
        {
            return "The bundle no longer lets this person use this client as this agent.";
        }

        if (!_host.SignsInAt(grant.Tenant, grant.Issuer))
        {
            return "The person signed in at a provider this tenant no longer uses.";
        }

        if (await _host.IsPersonSuspendedAsync(grant.Tenant, grant.Issuer, grant.Subject, ct).ConfigureAwait(false))
        {
            return "The person is suspended.";
        }

        // The agent's kill switches as the admission reads them: whatever stops its requests stops the person's token too.
        return await _switches.StopOfAsync(new KillSwitchCaller(grant.Tenant, grant.Agent, null), ct).ConfigureAwait(false) switch
        {
            KillSwitchStop.None => null,
            KillSwitchStop.Suspended => "The agent (or its tenant) is suspended; no token is issued.",
            _ => "The agent's runtime secret is revoked; no token is issued.",
        };
    }

    /// <summary>
    /// For a grant kept by an earlier version (no <see cref="InteractiveGrant.ConsentGranted"/>): when the person gave the
    /// consent to this client as this agent that is kept now; null when there is none (the family's own end stays its limit).
    /// </summary>
    private async ValueTask<DateTimeOffset?> ConsentGrantedAsync(InteractiveGrant grant, CancellationToken ct) =>
        await _grants.GetConsentAsync(grant.Tenant, grant.Issuer, grant.Subject, grant.ClientId, ct).ConfigureAwait(false) is { } consent
            && consent.Agent == grant.Agent && consent.Workspace == grant.Workspace
            ? consent.Granted
            : null;

    private static string? Single(IFormCollection form, string name) =>
        form.TryGetValue(name, out StringValues values) && values.Count == 1 ? values[0] : null;

    private IResult Refuse(int status, string error, string description)
    {
        LogRefused(_logger, status, error);
        return OAuthJson.Error(status, error, description);
    }

    [LoggerMessage(EventId = 4152, Level = LogLevel.Information, Message = "Access token issued for a person to tenant {Tenant}, agent {Agent} ({Grant})")]
    private static partial void LogIssued(ILogger logger, string tenant, string agent, string grant);

    [LoggerMessage(EventId = 4153, Level = LogLevel.Information, Message = "Interactive token request refused: {Status} {Error}")]
    private static partial void LogRefused(ILogger logger, int status, string error);
}
