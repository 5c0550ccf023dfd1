using Gateway.Connectors.Signing;
using Gateway.Oversight.Agents;
using Gateway.Policy;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// <c>POST /oauth/token</c>: the client-credentials grant (RFC 6749 §4.4) for registered agents. The agent proves itself
/// without sending anything secret: a client assertion (<see cref="ClientAssertion"/>) signed with its runtime secret
/// (<c>client_secret_jwt</c>) or its registered private key (<c>private_key_jwt</c>), or the agent protocol's signature
/// headers. The <c>resource</c> (RFC 8707) must be an endpoint that accepts access tokens; a DPoP
/// proof (RFC 9449) binds the token to the client's key. Refused, with an OAuth error, for an unknown agent or one whose
/// secret is revoked (<c>invalid_client</c>), a suspended agent or tenant (<c>invalid_grant</c>, the kill switches read
/// from the store on every request), another resource (<c>invalid_target</c>), a replayed assertion or proof. Each
/// assertion, proof and signed request is used once across replicas (the store's nonces). The grants of people's
/// interactive clients (<c>authorization_code</c>, <c>refresh_token</c>) are <see cref="Interactive.InteractiveTokenGrant"/>'s.
/// </summary>
internal sealed partial class TokenEndpoint
{
    private const long MaxBodyBytes = 16 * 1024;
    private const string GrantType = "client_credentials";

    private readonly IAccessTokenHost _host;
    private readonly AccessTokenFormat _format;
    private readonly AccessTokenUrls _urls;
    private readonly IStateStore _store;
    private readonly AgentStatusService _switches;
    private readonly TimeProvider _time;
    private readonly AccessTokenOptions _options;
    private readonly ILogger<TokenEndpoint> _logger;

    public TokenEndpoint(IAccessTokenHost host, AccessTokenFormat format, AccessTokenUrls urls, IStateStore store, AgentStatusService switches, TimeProvider time, IOptions<AccessTokenOptions> options, ILogger<TokenEndpoint> logger)
    {
        _host = host;
        _format = format;
        _urls = urls;
        _store = store;
        _switches = switches;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        try
        {
            return await IssueAsync(context).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException)
        {
            return Refuse(StatusCodes.Status503ServiceUnavailable, OAuthErrors.TemporarilyUnavailable, "The state store cannot be reached; try again.");
        }
    }

    private async Task<IResult> IssueAsync(HttpContext context)
    {
        var request = context.Request;
        AuthenticatedCaller? subject = null;
        string? fingerprint = null;
        var nonce = string.Empty;
        if (request.Headers.ContainsKey(SignatureHeaders.Signature) || request.Headers.ContainsKey(SignatureHeaders.SignatureInput))
        {
            // Signed (v1 HMAC, or RFC 9421 by an agent registered with a public key): the signature scheme reads the body within its limits (the form is read from its copy below).
            var signed = await _host.AuthenticateSignedAsync(context).ConfigureAwait(false);
            if (signed.Subject is null)
            {
                return Refuse(StatusCodes.Status401Unauthorized, OAuthErrors.InvalidClient, "The signed request was refused: " + signed.Problem + ".");
            }

            (subject, nonce, fingerprint) = (signed.Subject, signed.Nonce, signed.SecretFingerprint);
        }

        var (form, formProblem) = await ReadFormAsync(context).ConfigureAwait(false);
        if (form is null)
        {
            return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidRequest, formProblem);
        }

        var grantType = Single(form, "grant_type");
        if (subject is null && grantType is Interactive.InteractiveTokenGrant.AuthorizationCode or Interactive.InteractiveTokenGrant.RefreshToken
            && context.RequestServices.GetService(typeof(Interactive.InteractiveTokenGrant)) is Interactive.InteractiveTokenGrant interactive)
        {
            // A person's interactive client (a public client): its own grants, with its own checks.
            return await interactive.HandleAsync(context, form, grantType).ConfigureAwait(false);
        }

        if (grantType != GrantType)
        {
            return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.UnsupportedGrantType, "grant_type must be client_credentials, authorization_code or refresh_token.");
        }

        var now = _time.GetUtcNow();
        if (subject is null)
        {
            var (assertion, signer, problem) = AuthenticateAssertion(request, form, now);
            if (assertion is null)
            {
                return Refuse(StatusCodes.Status401Unauthorized, OAuthErrors.InvalidClient, problem);
            }

            (subject, nonce, fingerprint) = (assertion.Subject, AccessTokenNonces.Assertion(assertion.Jti), signer);
        }

        var resourcePath = _host.ResourcePaths.FirstOrDefault(path => _urls.Resource(request, path) == Single(form, "resource"));
        if (resourcePath is null)
        {
            return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidTarget, "resource must name the gateway's protected resource, e.g. " + _urls.Resource(request, _host.ResourcePaths.FirstOrDefault() ?? "/mcp") + ".");
        }

        string? thumbprint = null;
        string? proofNonce = null;
        if (request.Headers[DpopProof.HeaderName] is { Count: > 0 } proofHeader)
        {
            if (proofHeader.Count != 1)
            {
                return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidDpopProof, "Send one DPoP proof.");
            }

            var proof = DpopProof.Check(proofHeader[0], HttpMethods.Post, new Uri(_urls.TokenEndpoint(request)), null, now, _host.ClockSkew, out var proofProblem);
            if (proof is null)
            {
                return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidDpopProof, proofProblem);
            }

            (thumbprint, proofNonce) = (proof.Thumbprint, AccessTokenNonces.Dpop(proof.Jti));
        }

        if (await KillSwitchAsync(subject, fingerprint).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        // Used once, across replicas: the assertion (or the signed request's nonce), then the proof.
        if (!await UseOnceAsync(subject, nonce, now).ConfigureAwait(false))
        {
            return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidGrant, "This client assertion or signed request was used before; make a new one.");
        }

        if (proofNonce is not null && !await UseOnceAsync(subject, proofNonce, now).ConfigureAwait(false))
        {
            return Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidDpopProof, "This DPoP proof was used before; make a new one.");
        }

        var token = _format.Issue(_urls.Issuer(request), _urls.Resource(request, resourcePath), subject, thumbprint, fingerprint, now, _options.Lifetime);
        LogIssued(_logger, subject.Tenant, subject.Agent, resourcePath, thumbprint is not null);
        return OAuthJson.Object(StatusCodes.Status200OK, json =>
        {
            json.WriteString("access_token", token);
            json.WriteString("token_type", thumbprint is null ? "Bearer" : "DPoP");
            json.WriteNumber("expires_in", (long)_options.Lifetime.TotalSeconds);
        });
    }

    /// <summary>
    /// The client assertion of an unsigned request, with the fingerprint of the agent's secret it is signed with; never a
    /// secret in the form or an <c>Authorization</c> header.
    /// </summary>
    private (ClientAssertion? Assertion, string? Signer, string Problem) AuthenticateAssertion(HttpRequest request, IFormCollection form, DateTimeOffset now)
    {
        if (form.ContainsKey("client_secret") || request.Headers.Authorization.Count > 0)
        {
            return (null, null, "The runtime secret is never sent: authenticate with a client_assertion signed with it (client_secret_jwt) or with the agent's private key (private_key_jwt), or sign the request.");
        }

        if (Single(form, "client_assertion_type") != ClientAssertion.Type)
        {
            return (null, null, "client_assertion_type must be " + ClientAssertion.Type + ".");
        }

        var assertion = ClientAssertion.Read(Single(form, "client_assertion"), [_urls.Issuer(request), _urls.TokenEndpoint(request)], now, _host.ClockSkew, out var problem);
        if (assertion is null)
        {
            return (null, null, problem);
        }

        if (Single(form, "client_id") is { } clientId && clientId != OAuthClientId.Of(assertion.Subject))
        {
            return (null, null, "client_id differs from the assertion's iss.");
        }

        var client = _host.FindClient(assertion.Subject);
        var signer = client.Status == AccessTokenClientStatus.Found ? client.SignedBy(assertion.Jws) : null;
        return client.Status switch
        {
            AccessTokenClientStatus.Found when signer is not null => (assertion, signer, string.Empty),
            AccessTokenClientStatus.Found when client.SignsWithKey => (null, null,
                "The client assertion's signature does not verify under the agent's registered key (private_key_jwt: EdDSA for an Ed25519 key, ES256 for P-256; a kid, when sent, names the key's key_id)."),
            AccessTokenClientStatus.Found => (null, null, "The client assertion's signature does not verify under the agent's runtime secret (client_secret_jwt: HS256)."),
            AccessTokenClientStatus.Unavailable => (null, null, "No policy is loaded; no agent can be verified."),
            _ => (null, null, "The tenant, workspace or agent is not registered."),
        };
    }

    /// <summary>
    /// The agent's kill switches, read from the store on every request (no cache) as the admission reads them
    /// (<see cref="AgentStatusService.StopOfAsync"/>): the refusal when one stops the agent, the secret that signed
    /// (<paramref name="fingerprint"/>, when known) retired included.
    /// </summary>
    private async Task<IResult?> KillSwitchAsync(AuthenticatedCaller subject, string? fingerprint) =>
        await _switches.StopOfAsync(new KillSwitchCaller(subject.Tenant, subject.Agent, fingerprint)).ConfigureAwait(false) switch
        {
            KillSwitchStop.SecretRevoked => Refuse(StatusCodes.Status401Unauthorized, OAuthErrors.InvalidClient, "The agent's runtime secret is revoked."),
            KillSwitchStop.SecretRetired => Refuse(StatusCodes.Status401Unauthorized, OAuthErrors.InvalidClient, "The secret or key that signed the request has been retired; use the agent's next one."),
            KillSwitchStop.Suspended => Refuse(StatusCodes.Status400BadRequest, OAuthErrors.InvalidGrant, "The agent (or its tenant) is suspended; no token is issued."),
            _ => null,
        };

    private ValueTask<bool> UseOnceAsync(AuthenticatedCaller subject, string nonce, DateTimeOffset now) =>
        _store.TrySetIfAbsentAsync(_host.NonceKey(subject, nonce), now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), _host.NonceLifetime);

    /// <summary>The form, read within a small size limit; each parameter at most once (RFC 6749 §3.2).</summary>
    private static async Task<(IFormCollection? Form, string Problem)> ReadFormAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.HasFormContentType || request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) != true)
        {
            return (null, "The body must be application/x-www-form-urlencoded.");
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, $"The body exceeds {MaxBodyBytes} bytes.");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BadHttpRequestException or InvalidDataException or IOException)
        {
            return (null, "The body could not be read as a form within the limits.");
        }

        foreach (var (name, values) in form)
        {
            if (values.Count > 1)
            {
                return (null, $"The parameter {name} appears more than once.");
            }
        }

        return (form, string.Empty);
    }

    private static string? Single(IFormCollection form, string name) =>
        form.TryGetValue(name, out StringValues values) && values.Count == 1 ? values[0] : null;

    private IResult Refuse(int status, string error, string description)
    {
        LogRefused(_logger, status, error);
        return OAuthJson.Error(status, error, description);
    }

    [LoggerMessage(EventId = 4140, Level = LogLevel.Information, Message = "Access token issued to tenant {Tenant}, agent {Agent} for {Resource} (DPoP-bound: {Bound})")]
    private static partial void LogIssued(ILogger logger, string tenant, string agent, string resource, bool bound);

    [LoggerMessage(EventId = 4141, Level = LogLevel.Information, Message = "Token request refused: {Status} {Error}")]
    private static partial void LogRefused(ILogger logger, int status, string error);
}
