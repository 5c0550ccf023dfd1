using System.Buffers;
using System.Diagnostics;
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
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using System.Runtime.CompilerServices;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The Authenticate stage: proves who sent the request, per the agent protocol. It runs first in the walk of every YARP
/// route (<see cref="AuthenticateStage"/>): every agent endpoint is one (marked <see cref="AgentRouteMetadata"/>, chosen by
/// routing, never by the path's spelling, so <c>/V1/…</c> or <c>/PROVIDERS/…</c> cannot skip it). Every
/// failure is a 401 (or 413/408/400 for the body, 503 when no policy is loaded): its record,
/// <see cref="AuthenticationChallenge"/>, is what the Respond stage answers with, in the route's refusal dialect; nothing
/// reaches the endpoint. Checks run cheapest first and touch no store: the nonce is stored by the Admit stage only after
/// the signature is proven, so unauthenticated traffic cannot fill the store. On success its record,
/// <see cref="AuthenticatedRequest"/> (who and the exact body), is added and <see cref="HttpContext.User"/> carries the
/// tenant, workspace and agent claims (<see cref="AgentPrincipals"/>). It is not an ASP.NET Core authentication handler:
/// the framework's authentication and authorization objects per request (a service scope, the handler, its ticket and
/// principal, the policy evaluation) cost more than the checks themselves (docs/performance.md).
/// </summary>
internal sealed partial class AgentAuthenticator
{
    private readonly IAgentDirectory _agents;
    private readonly DelegateDirectory _delegates;
    private readonly TimeProvider _time;
    private readonly GatewayMetrics _metrics;
    private readonly GatewayOptions _gateway;
    private readonly AgentPrincipals _principals = new();

    public AgentAuthenticator(
        IAgentDirectory agents,
        DelegateDirectory delegates,
        TimeProvider time,
        GatewayMetrics metrics,
        IOptions<GatewayOptions> gateway)
    {
        _agents = agents;
        _delegates = delegates;
        _time = time;
        _metrics = metrics;
        _gateway = gateway.Value;
    }

    /// <summary>
    /// Authenticates the request of an agent route: null once its <see cref="AuthenticatedRequest"/> is added, else its
    /// <see cref="AuthenticationChallenge"/> (also added): the refusal with its challenge headers (RFC 9728's resource
    /// metadata and the OAuth error, on a route that takes access tokens), which Respond writes.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<AuthenticationChallenge?> AuthenticateAsync(HttpContext context)
    {
        if (await AuthenticateCoreAsync(context).ConfigureAwait(false) is not { } refusal)
        {
            return null;
        }

        // A refusal recorded under the proven agent added its record already.
        return context.GatewayRequest().Find<AuthenticationChallenge>() ?? Challenge(context, refusal, recordedUnder: null);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Refusal?> AuthenticateCoreAsync(HttpContext context)
    {
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
            // Who the request claims to be. The identity itself is made once, when it is proven (#52: one object per
            // request, not one per fact learnt): a signature's after it is verified, an access token's when it is.
            AuthenticatedCaller caller;
            string nonce;
            long timestamp;
            AgentIdentity? byToken = null;
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
                // RFC 9421: an agent registered with a public key (AgentAuthenticator.MessageSignatures.cs).
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

                (caller, nonce, timestamp) = (new AuthenticatedCaller(messageSignature!.Tenant, messageSignature.Workspace, messageSignature.Agent), messageSignature.Nonce, messageSignature.Created);
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

                (caller, nonce, timestamp) = (subject, presented.Nonce, presented.Timestamp);
                byToken = new AgentIdentity(subject, presented.Nonce, presented.Timestamp)
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
                        return RecordedTokenPersonRefusal(context, byToken, personRefusal!);
                    }

                    byToken = byToken with { Person = person, TokenScopes = tokenPerson.Scopes, TokenFamily = tokenPerson.Family };
                }
            }
            else if (ResourcePath(context.GetEndpoint()) is { } resourcePath && BearerChallenge.CarriesNoCredentials(request.Headers))
            {
                // An OAuth client before its token (BearerChallenge.cs): the RFC 9728 challenge, not the signing headers.
                return BearerChallenge.CredentialsMissing(context, resourcePath);
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

                (caller, nonce, timestamp) = (new AuthenticatedCaller(headers.Tenant, headers.Workspace, headers.Agent), headers.Nonce, headers.Timestamp);
                (signature, timestampText) = (headers.Signature, headers.TimestampText);
            }

            var lookup = _agents.Find(caller.Tenant, caller.Workspace, caller.Agent);
            DelegatedAgent? delegated = null;
            var issuerRetired = false;
            if (lookup.Status == AgentLookupStatus.UnknownAgent && DelegationIds.IsDelegate(caller.Agent))
            {
                // A delegated child: its grant and secret live in the shared store, as every replica sees them now.
                (lookup, delegated, issuerRetired, var unreadable) = await FindDelegateAsync(context, caller, byToken).ConfigureAwait(false);
                if (unreadable is not null)
                {
                    return unreadable;
                }
            }

            // A child issued, or an access token obtained, with a secret or key the agent no longer accepts (its rotation
            // ended, or the bundle dropped it) ends with it, as an operator's retirement of it ends them at Admit. The
            // verified token proves its agent: refused now, recorded under it once a minute, as Admit records a retired
            // secret; a child's signed request is refused so only once its signature proves the child (below).
            if (byToken is not null && (issuerRetired || (lookup.Status == AgentLookupStatus.Found && byToken.SecretFingerprint is { } obtainedWith && !DelegateDirectory.Accepts(lookup, obtainedWith))))
            {
                return Recorded(context, PersonAuthentication.RecordedUnder(byToken), RetiredCredential());
            }

            if (lookup.Status != AgentLookupStatus.Found || (lookup.Secret is null && lookup.Key is null))
            {
                var (status, refusal) = lookup.Status switch
                {
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

            AgentIdentity claimed;
            if (signature is not null)
            {
                // The canonical request as the UTF-8 bytes the MAC is over, in a pooled buffer (no string made for it).
                var canonical = CanonicalRequest.RentUtf8(request.Method, target, caller.Tenant, caller.Workspace, caller.Agent,
                    timestampText!, nonce, body, PersonLine(personToken), run);
                (SecretSlot Slot, AgentSecret Secret)? matched;
                try
                {
                    matched = SignatureSlotVerifier.Verify(lookup, canonical, signature);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(canonical.Array!, clearArray: true);
                }

                if (matched is not { } verified)
                {
                    return Refuse(StatusCodes.Status401Unauthorized, ProblemCodes.SignatureMismatch, "The signature does not match the request.");
                }

                claimed = new AgentIdentity(caller, nonce, timestamp) { SecretSlot = verified.Slot, SecretFingerprint = verified.Secret.Fingerprint };
                _metrics.RecordAuthenticated(verified.Slot);
            }
            else if (messageSignature is not null)
            {
                if (VerifyMessageSignature(context, messageSignature, signingKey.Key!, target, body, personToken) is { } refused)
                {
                    return Refuse(StatusCodes.Status401Unauthorized, refused.Code, refused.Detail);
                }

                claimed = new AgentIdentity(caller, nonce, timestamp) { SecretSlot = signingKey.Slot, SecretFingerprint = signingKey.Key!.Fingerprint };
                _metrics.RecordAuthenticated(signingKey.Slot);
            }
            else
            {
                // Neither signature: the access token's identity, made when the token was verified.
                claimed = byToken ?? throw new UnreachableException("A request without a signature authenticates with an access token.");
            }

            if (issuerRetired)
            {
                // The child, now proven, was issued with a secret or key its agent no longer accepts: recorded under it (its
                // chain too) once a minute. Who cannot sign as the child got the signature's refusal above and learns nothing.
                return Recorded(context, claimed with { Chain = ActorChain.From(delegated!.Record.Chain), Delegation = delegated }, RetiredCredential());
            }

            if (personToken is not null)
            {
                // The signature covers the token (v1's tenth line, or RFC 9421's "x-gamut-person"); now the person it
                // names, against the tenant's OpenID provider.
                var (withPerson, personRefused) = await AddPersonAsync(context, feature, claimed, personToken).ConfigureAwait(false);
                if (withPerson is null)
                {
                    return personRefused;
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
                    var refused = Recorded(context, PersonAuthentication.RecordedUnder(claimed),
                        new Refusal(otherPerson.Status, otherPerson.Code, otherPerson.Detail) { RecordedOncePerMinute = true });
                    return Refuse(refused.Status, refused.Code, refused.Detail ?? refused.Code);
                }

                claimed = forPerson;
            }

            var (inRun, runRefused) = await AddRunAsync(context, claimed, run).ConfigureAwait(false);
            if (inRun is null)
            {
                return runRefused;
            }

            claimed = inRun;

            // Freshness (the nonce) and the kill switches are the Admit stage's, in its one store call.
            feature.Add(new AuthenticatedRequest(claimed, body));
            GatewayTelemetry.SetIdentity(context, claimed.Tenant, claimed.Workspace, claimed.Agent);
            request.Body = new MemoryStream(body, writable: false);
            context.User = _principals.For(claimed.Caller);
            return null;
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Authenticate, started);
        }
    }

    private static Refusal Refuse(int status, string code, string detail) => new(status, code, detail);

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
