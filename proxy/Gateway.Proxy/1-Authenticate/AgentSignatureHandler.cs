using System.Diagnostics;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Gateway.Connectors.Signing;
using Gateway.Authorization.AccessTokens;
using Gateway.Oversight.Delegations;
using Gateway.Oversight;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.People;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Security;
using Gateway.Proxy.Telemetry;
using Gateway.Policy;
using Gateway.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The <see cref="AgentSignatureDefaults.AuthenticationScheme"/> scheme: proves who sent the request,
/// per the agent protocol. It runs only where the matched endpoint requires
/// <see cref="AgentSignatureDefaults.AuthorizationPolicy"/> (chosen by endpoint metadata, never by the
/// path's spelling, so <c>/V1/…</c> or <c>/PROVIDERS/…</c> cannot skip it). Every failure is a 401 (or
/// 413/408/400 for the body, 503 when no policy is loaded), written by the challenge in the route's
/// refusal dialect; nothing reaches the endpoint. Checks run cheapest first and touch no store: the
/// nonce is stored by the Admit stage only after the signature is proven, so unauthenticated traffic
/// cannot fill the store. On success its record, <see cref="AuthenticatedRequest"/> (who and the exact body), is added and <see cref="HttpContext.User"/> carries the
/// tenant, workspace and agent claims.
/// </summary>
internal sealed partial class AgentSignatureHandler : AuthenticationHandler<AgentSignatureOptions>
{
    private readonly IAgentDirectory _agents;
    private readonly DelegateDirectory _delegates;
    private readonly TimeProvider _time;
    private readonly GatewayMetrics _metrics;
    private readonly GatewayOptions _gateway;
    private readonly ILogger<AgentSignatureHandler> _logger;
    private Refusal? _refusal;

    public AgentSignatureHandler(
        IOptionsMonitor<AgentSignatureOptions> options,
        ILogger<AgentSignatureHandler> logger,
        UrlEncoder encoder,
        IAgentDirectory agents,
        DelegateDirectory delegates,
        TimeProvider time,
        GatewayMetrics metrics,
        IOptions<GatewayOptions> gateway)
        // The base class's own lines (not authenticated, challenged) would say each refusal three times
        // at Information; the one line per refusal is Respond's (AuthenticationRefusalResponder).
        : base(options, NullLoggerFactory.Instance, encoder)
    {
        _logger = logger;
        _agents = agents;
        _delegates = delegates;
        _time = time;
        _metrics = metrics;
        _gateway = gateway.Value;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var context = Context;
        if (!IsAgentRoute(context.GetEndpoint()))
        {
            // Health, admin, the OpenAPI document: nothing to prove, and no body to read.
            return AuthenticateResult.NoResult();
        }

        // The authenticate stage's time: the checks below, refused or not.
        var started = Stopwatch.GetTimestamp();
        var feature = context.Features.GetRequiredFeature<GatewayRequestFeature>();
        feature.Signed = true;
        try
        {
            // An agent route answers for itself: an upstream's bodiless error passes as it came.
            if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
            {
                statusCodePages.Enabled = false;
            }

            var request = context.Request;
            AgentIdentity claimed;
            string? signature = null;
            string? timestampText = null;
            string? personToken = null;
            MessageSignature? messageSignature = null;

            // The run the request belongs to (X-Gamut-Run), covered by whichever signature proves the agent.
            if (!RunHeader.TryRead(request.Headers, out var run, out var runCode, out var runDetail))
            {
                return Refuse(StatusCodes.Status401Unauthorized, runCode, runDetail);
            }

            if (request.Headers.ContainsKey(SignatureHeaders.SignatureInput))
            {
                // RFC 9421: an agent registered with a public key (AgentSignatureHandler.MessageSignatures.cs).
                if (!MessageSignature.TryParse(request.Headers, out messageSignature, out var code, out var detail))
                {
                    return Refuse(StatusCodes.Status401Unauthorized, code, detail);
                }

                // A person's token is bound only when the signature covers it ("x-gamut-person"); sent uncovered, nothing binds it.
                if (!TryReadPersonToken(context, signed: messageSignature!.CoversPerson, out personToken, out code, out detail))
                {
                    return Refuse(StatusCodes.Status401Unauthorized, code, detail);
                }

                if (StaleMessageSignature(messageSignature!) is { } stale)
                {
                    return Refuse(StatusCodes.Status401Unauthorized, ProblemCodes.StaleTimestamp, stale);
                }

                claimed = new AgentIdentity(new AuthenticatedCaller(messageSignature!.Tenant, messageSignature.Workspace, messageSignature.Agent), messageSignature.Nonce, messageSignature.Created);
            }
            else if (AcceptsAccessToken(context.GetEndpoint()) && AccessTokenVerifier.IsPresented(request.Headers)
                && !request.Headers.ContainsKey(SignatureHeaders.Signature))
            {
                // An access token instead of a signature: the same identity, the same checks of the agent and the body below.
                if (!TryReadPersonToken(context, signed: false, out _, out var personCode, out var personDetail))
                {
                    return Refuse(StatusCodes.Status401Unauthorized, personCode, personDetail);
                }

                var presented = VerifyAccessToken(context);
                if (presented.Subject is not { } subject)
                {
                    return Refuse(StatusCodes.Status401Unauthorized, presented.Code, presented.Detail);
                }

                claimed = new AgentIdentity(subject, presented.Nonce, presented.Timestamp)
                {
                    SecretFingerprint = presented.SecretFingerprint,
                };
                if (presented.Person is { } tokenPerson)
                {
                    // A person's interactive client: the person joins the identity (and heads the chain below) while the
                    // bundle, their consent and their standing still allow it, checked now on every request.
                    var (person, personRefusal) = await PersonOfTokenAsync(context, subject, tokenPerson).ConfigureAwait(false);
                    if (person is null)
                    {
                        return Refuse(personRefusal!.Status, personRefusal.Code, personRefusal.Detail ?? personRefusal.Code);
                    }

                    claimed = claimed with { Person = person, TokenScopes = tokenPerson.Scopes };
                }
            }
            else if (ResourcePath(context.GetEndpoint()) is { } resourcePath && BearerChallenge.CarriesNoCredentials(request.Headers))
            {
                // An OAuth client before its token (BearerChallenge.cs): the RFC 9728 challenge, not the signing headers.
                _refusal = BearerChallenge.CredentialsMissing(context, resourcePath);
                return AuthenticateResult.Fail(_refusal.Code);
            }
            else
            {
                if (!SignedRequestHeaders.TryParse(request.Headers, out var headers, out var code, out var detail))
                {
                    return Refuse(StatusCodes.Status401Unauthorized, code, detail);
                }

                if (!TryReadPersonToken(context, signed: true, out personToken, out code, out detail))
                {
                    return Refuse(StatusCodes.Status401Unauthorized, code, detail);
                }

                // Milliseconds, not truncated seconds: at +600.3 s a timestamp 300 s ahead is 300.3 s old, not 300.
                var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
                if (Math.Abs(nowMs - (headers.Timestamp * 1000)) > (long)_gateway.Authentication.MaxClockSkew.TotalMilliseconds)
                {
                    return Refuse(StatusCodes.Status401Unauthorized, ProblemCodes.StaleTimestamp,
                        "The request timestamp is too far from the gateway's clock.");
                }

                claimed = new AgentIdentity(new AuthenticatedCaller(headers.Tenant, headers.Workspace, headers.Agent), headers.Nonce, headers.Timestamp);
                (signature, timestampText) = (headers.Signature, headers.TimestampText);
            }

            var lookup = _agents.Find(claimed.Tenant, claimed.Workspace, claimed.Agent);
            DelegatedAgent? delegated = null;
            if (lookup.Status == AgentLookupStatus.UnknownAgent && DelegationIds.IsDelegate(claimed.Agent))
            {
                // A delegated child: its grant and secret live in the shared store, as every replica sees them now.
                try
                {
                    (lookup, delegated) = await _delegates.FindAsync(claimed.Tenant, claimed.Workspace, claimed.Agent, context.RequestAborted).ConfigureAwait(false);
                }
                catch (StateStoreUnavailableException)
                {
                    return Refuse(StatusCodes.Status503ServiceUnavailable, ProblemCodes.StoreUnavailable, "The state store cannot be reached.");
                }
            }

            if (lookup.Status != AgentLookupStatus.Found || (lookup.Secret is null && lookup.Key is null))
            {
                var (status, refusal) = lookup.Status switch
                {
                    AgentLookupStatus.SecretRevoked => (StatusCodes.Status401Unauthorized, ProblemCodes.SecretRevoked),
                    AgentLookupStatus.SecretUnavailable => (StatusCodes.Status503ServiceUnavailable, ProblemCodes.PolicyUnavailable),
                    _ => (StatusCodes.Status401Unauthorized, ProblemCodes.UnknownAgent),
                };
                return Refuse(status, refusal, refusal == ProblemCodes.UnknownAgent
                    ? "The tenant, workspace or agent is not registered."
                    : "The agent's runtime secret cannot be used.");
            }

            // An agent signs the way it is registered: with its secret (v1 HMAC) or with its public key (RFC 9421).
            if (SchemeMismatch(lookup, signature is not null, messageSignature is not null) is { } mismatch)
            {
                return Refuse(StatusCodes.Status401Unauthorized, ProblemCodes.SignatureSchemeMismatch, mismatch);
            }

            (AgentKey Key, SecretSlot Slot) signingKey = default;
            if (messageSignature is not null && !TrySelectKey(lookup, messageSignature, out signingKey, out var keyCode, out var keyDetail))
            {
                return Refuse(StatusCodes.Status401Unauthorized, keyCode, keyDetail);
            }

            // During a rotation, neither of the agent's two secrets may be sent.
            var (secret, next) = (lookup.Secret, lookup.Next);
            var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.Path + request.QueryString).ToString();
            if (secret is not null && (SecretPresentedOutsideSignature(request.Headers, target, secret)
                || (next is not null && SecretPresentedOutsideSignature(request.Headers, target, next))))
            {
                return Refuse(StatusCodes.Status401Unauthorized, ProblemCodes.SecretPresentedOtherwise,
                    "The runtime secret must never be sent; sign the request with it instead.");
            }

            var (outcome, body) = await RequestBodyReader.ReadAsync(context, _gateway.Limits.MaxRequestBodyBytes, _gateway.Limits.BodyReadTimeout).ConfigureAwait(false);
            switch (outcome)
            {
                case RequestBodyReader.Outcome.TooLarge:
                    return Refuse(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge,
                        $"The body exceeds {_gateway.Limits.MaxRequestBodyBytes} bytes.");
                case RequestBodyReader.Outcome.TimedOut:
                    return Refuse(StatusCodes.Status408RequestTimeout, ProblemCodes.RequestTimeout, "The body did not arrive in time.");
                case RequestBodyReader.Outcome.Malformed:
                    return Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, "The body's framing is broken.");
            }

            if (secret is not null && (secret.AppearsIn(body) || (next is not null && next.AppearsIn(body))))
            {
                return Refuse(StatusCodes.Status401Unauthorized, ProblemCodes.SecretPresentedOtherwise,
                    "The runtime secret must never be sent; sign the request with it instead.");
            }

            if (signature is not null)
            {
                var canonical = CanonicalRequest.Build(request.Method, target, claimed.Tenant, claimed.Workspace, claimed.Agent,
                    timestampText!, claimed.Nonce, body, PersonLine(personToken), run);
                if (SignatureSlotVerifier.Verify(lookup, canonical, signature) is not { } verified)
                {
                    return Refuse(StatusCodes.Status401Unauthorized, ProblemCodes.SignatureMismatch, "The signature does not match the request.");
                }

                claimed = claimed with { SecretSlot = verified.Slot, SecretFingerprint = verified.Secret.Fingerprint };
                _metrics.RecordAuthenticated(verified.Slot);
            }
            else if (messageSignature is not null)
            {
                if (VerifyMessageSignature(messageSignature, signingKey.Key!, target, body, personToken) is { } refused)
                {
                    return Refuse(StatusCodes.Status401Unauthorized, refused.Code, refused.Detail);
                }

                claimed = claimed with { SecretSlot = signingKey.Slot, SecretFingerprint = signingKey.Key!.Fingerprint };
                _metrics.RecordAuthenticated(signingKey.Slot);
            }

            if (personToken is not null)
            {
                // The signature covers the token (v1's tenth line, or RFC 9421's "x-gamut-person"); now the person it
                // names, against the tenant's OpenID provider.
                if (await AddPersonAsync(context, feature, claimed, personToken).ConfigureAwait(false) is not { } withPerson)
                {
                    return AuthenticateResult.Fail(_refusal!.Code);
                }

                claimed = withPerson;
            }

            if (delegated is not null)
            {
                // The chain the child's record holds, ending in the child: what every later stage governs and records.
                claimed = claimed with { Chain = ActorChain.From(delegated.Record.Chain), Delegation = delegated };
            }

            if (claimed.Person is not null)
            {
                // The person heads the chain: person → agent → child → ….
                if (PersonAtHead(claimed) is not { } forPerson)
                {
                    var otherPerson = PersonTokenCheck.Refused(StatusCodes.Status401Unauthorized, ProblemCodes.PersonTokenInvalid,
                        "This delegated child was issued for another person than the token names.");
                    var refused = await RecordedAsync(context, PersonAuthentication.RecordedUnder(claimed),
                        new Refusal(otherPerson.Status, otherPerson.Code, otherPerson.Detail)).ConfigureAwait(false);
                    return Refuse(refused.Status, refused.Code, refused.Detail ?? refused.Code);
                }

                claimed = forPerson;
            }

            if (await AddRunAsync(context, claimed, run).ConfigureAwait(false) is not { } inRun)
            {
                return AuthenticateResult.Fail(_refusal!.Code);
            }

            claimed = inRun;

            // Freshness (the nonce) and the kill switches are the Admit stage's, in its one store call.
            feature.Add(new AuthenticatedRequest(claimed, body));
            GatewayTelemetry.SetIdentity(context, claimed.Tenant, claimed.Workspace, claimed.Agent);
            request.Body = new MemoryStream(body, writable: false);
            // Each claim made with the identity as its subject: a claim of another subject is cloned on the way in.
            var identity = new ClaimsIdentity(Scheme.Name, AgentSignatureDefaults.AgentClaim, roleType: null);
            AddClaim(identity, AgentSignatureDefaults.TenantClaim, claimed.Tenant);
            AddClaim(identity, AgentSignatureDefaults.WorkspaceClaim, claimed.Workspace);
            AddClaim(identity, AgentSignatureDefaults.AgentClaim, claimed.Agent);

            // Who the agent is across tenants: what binds an MCP session on /mcp to the agent that opened it.
            AddClaim(identity, ClaimTypes.NameIdentifier, claimed.Tenant + "/" + claimed.Agent);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Authenticate, started);
        }
    }

    private static void AddClaim(ClaimsIdentity identity, string type, string value) =>
        identity.AddClaim(new Claim(type, value, ClaimValueTypes.String, ClaimsIdentity.DefaultIssuer, ClaimsIdentity.DefaultIssuer, identity));

    /// <summary>
    /// Records the refusal authentication decided on (<see cref="AuthenticationChallenge"/>, with the access-token challenge
    /// on a route that takes tokens) for the Respond stage to answer with; writes nothing.
    /// </summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // A challenge without a recorded refusal means authentication never completed (it threw): fail closed.
        var refusal = _refusal ?? Refusal.Internal();
        var challenge = refusal.Status == StatusCodes.Status401Unauthorized && AcceptsAccessToken(Context.GetEndpoint())
            ? AccessTokenChallenge(refusal)
            : [];
        return Challenged(refusal, challenge);
    }

    /// <summary>An authenticated agent the route's policy still refuses (no gateway policy does so today): recorded as a challenge is.</summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var refusal = new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.Blocked, "This agent may not use this route.");
        var challenge = AcceptsAccessToken(Context.GetEndpoint()) && AccessTokenVerifier.IsPresented(Context.Request.Headers)
            ? AccessTokenChallenge(refusal)
            : [];
        return Challenged(refusal, challenge);
    }

    private Task Challenged(Refusal refusal, IReadOnlyList<string> wwwAuthenticate)
    {
        var feature = Context.GatewayRequest();
        if (feature.Find<AuthenticationChallenge>() is null)
        {
            feature.Add(new AuthenticationChallenge(refusal, wwwAuthenticate));
        }

        return Task.CompletedTask;
    }

    /// <summary>True when the endpoint's authorization requires this scheme (by policy name or by scheme).</summary>
    private static bool IsAgentRoute(Endpoint? endpoint)
    {
        if (endpoint is null)
        {
            return false;
        }

        if (endpoint.Metadata.GetMetadata<SignedRequestAcceptedMetadata>() is not null)
        {
            // The endpoint asks this scheme itself, only for a request that carries the signature headers.
            return true;
        }

        foreach (var data in endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>())
        {
            if (data.Policy == AgentSignatureDefaults.AuthorizationPolicy
                || (data.AuthenticationSchemes?.Contains(AgentSignatureDefaults.AuthenticationScheme, StringComparison.Ordinal) ?? false))
            {
                return true;
            }
        }

        foreach (var policy in endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>())
        {
            if (policy.AuthenticationSchemes.Contains(AgentSignatureDefaults.AuthenticationScheme))
            {
                return true;
            }
        }

        return false;
    }

    private AuthenticateResult Refuse(int status, string code, string detail)
    {
        _refusal = new Refusal(status, code, detail);
        return AuthenticateResult.Fail(code);
    }

    /// <summary>
    /// True when the secret appears in a header or in the request target (path and query, as sent; every
    /// depth of percent-decoding is looked at, which covers the server's decoded path): a secret in a
    /// provider path would otherwise reach the upstream and its access logs.
    /// </summary>
    private static bool SecretPresentedOutsideSignature(IHeaderDictionary headers, string target, AgentSecret secret)
    {
        foreach (var header in headers)
        {
            foreach (var value in header.Value)
            {
                if (secret.AppearsIn(value))
                {
                    return true;
                }
            }
        }

        return secret.AppearsInTarget(target);
    }
}
