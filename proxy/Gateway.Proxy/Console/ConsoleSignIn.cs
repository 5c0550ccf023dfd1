using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Authorization.AccessTokens;
using Gateway.Authorization.Interactive;
using Gateway.Policy;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.People;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gateway.Proxy.Console;

/// <summary>
/// Signs a person in to the console with the OpenID Connect authorization-code flow at the tenant's provider (the
/// bundle's <c>openid_provider</c>, as the gateway's client <c>client_id</c>/<c>client_secret</c>): PKCE (S256), a random
/// <c>state</c> that is also set in a short-lived HttpOnly cookie (the callback must present both, equal: CSRF on the
/// callback), a random <c>nonce</c> the ID token must carry. The code is exchanged at the token endpoint
/// (<c>client_secret_basic</c>) and the ID token checked by the gateway's one <see cref="OpenIdTokenValidator"/>
/// (signature against the provider's JWKS, issuer, audience = the client id, lifetime), then its nonce.
/// </summary>
internal sealed partial class ConsoleSignIn
{
    /// <summary>The state cookie (path <c>/console</c>): holds the <c>state</c> of the sign-in this browser started.</summary>
    public const string StateCookie = "gamut_console_state";

    private readonly PolicyProvider _policy;
    private readonly OpenIdConfigurations _configurations;
    private readonly ProviderTokenEndpoint _tokenEndpoint;
    private readonly OpenIdTokenValidator _validator;
    private readonly KeptProviderTokens _kept;
    private readonly Gateway.Store.IStateStore _store;
    private readonly ConsoleSessions _sessions;
    private readonly ConsoleRoleMap _roles;
    private readonly ConsoleOptions _options;
    private readonly PublicOrigin _origin;
    private readonly ILogger<ConsoleSignIn> _logger;

    public ConsoleSignIn(
        PolicyProvider policy,
        OpenIdConfigurations configurations,
        ProviderTokenEndpoint tokenEndpoint,
        OpenIdTokenValidator validator,
        KeptProviderTokens kept,
        Gateway.Store.IStateStore store,
        ConsoleSessions sessions,
        ConsoleRoleMap roles,
        IOptions<ConsoleOptions> options,
        PublicOrigin origin,
        ILogger<ConsoleSignIn> logger)
    {
        _policy = policy;
        _configurations = configurations;
        _tokenEndpoint = tokenEndpoint;
        _validator = validator;
        _kept = kept;
        _store = store;
        _sessions = sessions;
        _roles = roles;
        _options = options.Value;
        _origin = origin;
        _logger = logger;
    }

    /// <summary>The tenant's provider when the console may sign people in to it (a provider with a client, and roles configured).</summary>
    public OpenIdProvider? ProviderOf(string tenant) => ProviderOf(_options, _policy, tenant);

    /// <summary>As <see cref="ProviderOf(string)"/>, for the sessions (which check a session's issuer against it on every read).</summary>
    public static OpenIdProvider? ProviderOf(ConsoleOptions options, PolicyProvider policy, string tenant) =>
        options.Tenants.ContainsKey(tenant)
        && policy.Current is { } snapshot && snapshot.Set.TryGetTenant(tenant, out var tenantPolicy)
        && tenantPolicy!.Register.OpenIdProvider is { ClientId: not null, ClientSecret: not null } provider
            ? provider
            : null;

    /// <summary>Whether <paramref name="issuer"/> is the OpenID provider <paramref name="tenant"/>'s people sign in at now (<see cref="ProviderOf(ConsoleOptions, PolicyProvider, string)"/>).</summary>
    public static bool IsProviderOf(ConsoleOptions options, PolicyProvider policy, string tenant, string issuer) =>
        ProviderOf(options, policy, tenant) is { } provider && string.Equals(issuer, provider.IssuerText, StringComparison.Ordinal);

    /// <summary>The tenants people can sign in to.</summary>
    public IEnumerable<string> Tenants => _options.Tenants.Keys.Where(t => ProviderOf(t) is not null).Order(StringComparer.Ordinal);

    /// <summary>Starts a sign-in: stores the flow, sets the state cookie, and answers the provider's authorization URL.</summary>
    public async ValueTask<ConsoleOutcome> StartAsync(HttpContext context, string tenant, string? returnTo = null)
    {
        if (returnTo is not null && !IsConsentPage(tenant, returnTo))
        {
            return ConsoleOutcome.Refused(StatusCodes.Status400BadRequest, "console_return_invalid", "A sign-in returns only to this tenant's consent page.");
        }

        if (ProviderOf(tenant) is not { } provider)
        {
            return ConsoleOutcome.Refused(StatusCodes.Status404NotFound, "console_tenant_unknown", "No console sign-in is configured for this tenant.");
        }

        try
        {
            var configuration = await _configurations.GetAsync(provider, context.RequestAborted);
            if (!ProviderTokenEndpoint.IsUsable(provider, configuration.AuthorizationEndpoint, out var authorize))
            {
                return ConsoleOutcome.Refused(StatusCodes.Status503ServiceUnavailable, "console_provider_unavailable", "The provider's discovery document names no usable authorization endpoint.");
            }

            var state = ConsoleSessions.RandomToken();
            var flow = new ConsoleSignInFlow(tenant, ConsoleSessions.RandomToken(), ConsoleSessions.RandomToken(), RedirectUri(context, tenant), returnTo);
            await _store.SetAsync(FlowKey(state), JsonSerializer.Serialize(flow, ConsoleJsonContext.Default.ConsoleSignInFlow), _options.SignInTimeout, context.RequestAborted);
            ConsoleCookies.Append(context, StateCookie, state, _options.SignInTimeout);
            var query = QueryString.Create(new Dictionary<string, string?>
            {
                ["response_type"] = "code",
                ["client_id"] = provider.ClientId,
                ["redirect_uri"] = flow.RedirectUri,
                ["scope"] = "openid " + provider.GroupsClaim,
                ["state"] = state,
                ["nonce"] = flow.Nonce,
                ["code_challenge"] = Pkce.ChallengeOf(flow.CodeVerifier),
                ["code_challenge_method"] = Pkce.Method,
            });
            return ConsoleOutcome.Redirect(authorize!.AbsoluteUri + (string.IsNullOrEmpty(authorize.Query) ? query.Value : "&" + query.Value![1..]));
        }
        catch (OpenIdProviderUnavailableException)
        {
            return ConsoleOutcome.Refused(StatusCodes.Status503ServiceUnavailable, "console_provider_unavailable", "The tenant's OpenID provider cannot be reached.");
        }
    }

    /// <summary>The provider redirected back: checks state (cookie and query equal, flow not used), exchanges the code, checks the ID token, starts the session.</summary>
    public async ValueTask<ConsoleOutcome> CallbackAsync(HttpContext context, string tenant)
    {
        var query = context.Request.Query;
        var state = query["state"].Count == 1 ? query["state"][0] : null;
        var cookieState = ConsoleCookies.Read(context, StateCookie);
        ConsoleCookies.Delete(context, StateCookie);
        if (string.IsNullOrEmpty(state) || string.IsNullOrEmpty(cookieState) || state.Length > 128
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(state), Encoding.UTF8.GetBytes(cookieState)))
        {
            LogRefused(_logger, tenant, "console_state_mismatch");
            return ConsoleOutcome.Refused(StatusCodes.Status400BadRequest, "console_state_mismatch", "This sign-in was not started in this browser (state mismatch). Start again.");
        }

        var json = await _store.TakeAsync(FlowKey(state), context.RequestAborted);
        var flow = json is null ? null : JsonSerializer.Deserialize(json, ConsoleJsonContext.Default.ConsoleSignInFlow);
        if (flow is null || !string.Equals(flow.Tenant, tenant, StringComparison.Ordinal))
        {
            LogRefused(_logger, tenant, "console_sign_in_expired");
            return ConsoleOutcome.Refused(StatusCodes.Status400BadRequest, "console_sign_in_expired", "This sign-in expired or was already used. Start again.");
        }

        if (query["error"].Count > 0)
        {
            return ConsoleOutcome.Refused(StatusCodes.Status403Forbidden, "console_provider_refused", "The provider did not sign you in.");
        }

        var code = query["code"].Count == 1 ? query["code"][0] : null;
        if (string.IsNullOrEmpty(code) || code.Length > 4096 || ProviderOf(tenant) is not { } provider)
        {
            return ConsoleOutcome.Refused(StatusCodes.Status400BadRequest, "console_code_missing", "The provider's answer holds no authorization code.");
        }

        try
        {
            var answer = await ExchangeAsync(tenant, provider, flow, code, context.RequestAborted);
            if (answer?.IdToken is not { } idToken)
            {
                return ConsoleOutcome.Refused(StatusCodes.Status502BadGateway, "console_code_refused", "The provider did not exchange the authorization code for an ID token.");
            }

            return await VerifiedAsync(context, tenant, provider, flow.Nonce, idToken, flow.ReturnTo, answer);
        }
        catch (Exception ex) when (ex is OpenIdProviderUnavailableException or CredentialUnavailableException or HttpRequestException or JsonException
            || (ex is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            LogRefused(_logger, tenant, "console_provider_unavailable:" + ex.GetType().Name);
            return ConsoleOutcome.Refused(StatusCodes.Status503ServiceUnavailable, "console_provider_unavailable", "The tenant's OpenID provider (or the gateway's client secret) cannot be reached.");
        }
    }

    /// <summary>
    /// Checks an ID token for the console (signature, issuer, audience = client id, lifetime, nonce) and starts the session;
    /// the provider's <paramref name="answer"/> (the ID token, a refresh token) is kept, encrypted, when a connector of the
    /// tenant exchanges it at its upstream (<see cref="KeptProviderTokens"/>).
    /// </summary>
    public async ValueTask<ConsoleOutcome> VerifiedAsync(HttpContext context, string tenant, OpenIdProvider provider, string nonce, string idToken, string? returnTo = null, ProviderTokenAnswer? answer = null)
    {
        if (!_validator.CanRead(idToken, 16_384))
        {
            return Invalid(tenant, "not a compact JWS");
        }

        var result = await _validator.ValidateAsync(provider, idToken, [provider.ClientId!], context.RequestAborted);
        if (!result.IsValid)
        {
            return Invalid(tenant, result.Exception?.GetType().Name ?? "invalid");
        }

        var token = (JsonWebToken)result.SecurityToken;
        if (!token.TryGetPayloadValue<string>("nonce", out var presented) || presented is null
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(nonce)))
        {
            return Invalid(tenant, "nonce");
        }

        var tenantOptions = _options.Tenants[tenant];
        var person = OpenIdTokenValidator.Person(token, tenantOptions.PersonClaim);
        if (string.IsNullOrEmpty(token.Subject) || string.IsNullOrEmpty(person) || person.Length > 255)
        {
            return Invalid(tenant, "no subject or person claim");
        }

        if (await _sessions.IsSuspendedAsync(tenant, token.Issuer, token.Subject, context.RequestAborted))
        {
            LogRefused(_logger, tenant, "console_person_suspended");
            return ConsoleOutcome.Refused(StatusCodes.Status403Forbidden, "console_person_suspended", "Your console access is suspended.");
        }

        var groups = OpenIdTokenValidator.Groups(token, provider.GroupsClaim);
        var roles = _roles.RolesOf(tenant, groups);
        if (roles.Count == 0 && returnTo is null)
        {
            // A person signing in for an interactive client's consent needs no console role (their session shows only their own clients).
            LogRefused(_logger, tenant, "console_no_role");
            return ConsoleOutcome.Refused(StatusCodes.Status403Forbidden, "console_no_role", "You are signed in at the provider, but none of your groups gives a console role in this tenant.");
        }

        var sid = token.TryGetPayloadValue<string>("sid", out var presentedSid) && presentedSid is { Length: > 0 and <= 255 } ? presentedSid : null;
        // A person already holding the most sessions has their idle, then least recently seen, sessions ended: never refused.
        var session = await _sessions.StartAsync(context, tenant, token.Subject, token.Issuer, person, roles, groups: groups, sid: sid, idToken: idToken);

        // Not kept from an ID token a back-channel logout of the subject came after (it forgot the person's tokens): checked
        // again once kept, as such a logout marks itself before it forgets, so one that forgot them just before this kept them is found.
        var issuedAt = ConsoleSubjectLogouts.IssuedAt(token);
        if (answer is not null && _policy.Current is { } snapshot && snapshot.Set.TryGetTenant(tenant, out var policy)
            && !await ConsoleSubjectLogouts.EndsAsync(_store, tenant, token.Issuer, token.Subject, issuedAt, context.RequestAborted))
        {
            await _kept.KeepAsync(policy!, token, idToken, answer, context.RequestAborted);
            if (await ConsoleSubjectLogouts.EndsAsync(_store, tenant, token.Issuer, token.Subject, issuedAt, context.RequestAborted))
            {
                await _kept.ForgetAsync(tenant, token.Issuer, token.Subject, context.RequestAborted);
            }
        }

        LogSignedIn(_logger, tenant, session.Person, string.Join(',', roles));
        return ConsoleOutcome.Redirect(returnTo ?? "/console/" + Uri.EscapeDataString(tenant) + (session.Has(ConsoleRoles.Approver) ? "/approvals" : "/audit"), session);
    }

    /// <summary>True for this tenant's consent page of a pending authorization request (no other return target: no open redirect).</summary>
    /// <summary>True when <paramref name="returnTo"/> is this tenant's consent page for one pending request (the one place a sign-in returns to).</summary>
    internal static bool IsConsentPage(string tenant, string returnTo)
    {
        if (ConsoleLinkPages.IsLinkPage(tenant, returnTo))
        {
            // Or a per_person connector's link page (its grant names the person it is for).
            return true;
        }

        var prefix = "/console/" + Uri.EscapeDataString(tenant) + "/authorize?request=";
        return returnTo.StartsWith(prefix, StringComparison.Ordinal) && returnTo.Length <= prefix.Length + 128
            && returnTo[prefix.Length..].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
    }

    private async ValueTask<ProviderTokenAnswer?> ExchangeAsync(string tenant, OpenIdProvider provider, ConsoleSignInFlow flow, string code, CancellationToken cancellationToken)
    {
        var (status, body, unusable) = await _tokenEndpoint.PostAsync(tenant, provider, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = flow.RedirectUri,
            ["code_verifier"] = flow.CodeVerifier,
        }, cancellationToken);
        if (unusable is not null || status is < 200 or >= 300)
        {
            LogRefused(_logger, tenant, unusable ?? "token endpoint answered " + status);
            return null;
        }

        return JsonSerializer.Deserialize(body, PeopleJsonContext.Default.ProviderTokenAnswer);
    }

    private ConsoleOutcome Invalid(string tenant, string reason)
    {
        LogRefused(_logger, tenant, "console_id_token_invalid:" + reason);
        return ConsoleOutcome.Refused(StatusCodes.Status401Unauthorized, "console_id_token_invalid", "The provider's ID token did not verify; you are not signed in.");
    }

    /// <summary>Under <c>Gateway:Console:PublicOrigin</c>, else the gateway's <see cref="PublicOrigin"/>; never an unlisted <c>Host</c>.</summary>
    private string RedirectUri(HttpContext context, string tenant) => ConsoleOrigin(context) + "/console/" + Uri.EscapeDataString(tenant) + "/callback";

    /// <summary><c>Gateway:Console:PublicOrigin</c>, else the gateway's <see cref="PublicOrigin"/> (no trailing slash).</summary>
    private string ConsoleOrigin(HttpContext context) =>
        string.IsNullOrEmpty(_options.PublicOrigin) ? _origin.For(context.Request) : _options.PublicOrigin.TrimEnd('/');

    private static string FlowKey(string state) => "console:flow:" + ConsoleSessions.Hash(state);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Console: {Person} signed in to tenant {Tenant} as {Roles}")]
    private static partial void LogSignedIn(ILogger logger, string tenant, string person, string roles);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Console: a sign-in to tenant {Tenant} was refused: {Reason}")]
    private static partial void LogRefusedEncoded(ILogger logger, string tenant, string reason);

    // The tenant as the path spelled it, percent-encoded: an unauthenticated path's CR or escape sequence forges no log line.
    private static void LogRefused(ILogger logger, string tenant, string reason) => LogRefusedEncoded(logger, Uri.EscapeDataString(tenant), reason);
}
