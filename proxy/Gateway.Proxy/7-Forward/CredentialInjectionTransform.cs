using Gateway.Connectors;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Signing;
using Gateway.Policy;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Pipeline;
using Yarp.ReverseProxy.Transforms;
using System.Runtime.CompilerServices;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Sets the route's connector's credential on the outgoing request, as the route's values say
/// (<see cref="CredentialInjectionTransformFactory"/>: the header, the scheme, the credential's reference), after removing
/// everything credential-like the agent sent (<c>Authorization</c>, <c>x-api-key</c>, <c>api-key</c>, <c>Cookie</c>,
/// <c>Proxy-Authorization</c>, every <c>X-Gamut-*</c> signature header). From the <see cref="ForwardPlan"/> it reads only
/// the tenant (the vault's scope), the person's credential for a connector that acts for a person (sent in place of the
/// connector's own), the decision token (<c>X-Gamut-Decision-Token</c>) and a dry_run degrade (<c>X-Gamut-Dry-Run</c>).
/// The credential is resolved per request through <see cref="CredentialResolver"/> (which caches) and written straight
/// to the outgoing header; it is never put on <c>HttpContext</c>. The plan's redaction counts are told of it
/// (<see cref="Gateway.Connectors.Redaction.RedactionCounts.RedactCredential"/>), so that every redactor of the answer
/// (body, events, result) replaces an echo of it with <c>[REDACTED:credential]</c>. Without a plan, or when the credential is unavailable,
/// it throws, so the forwarder sends nothing (the host answers 503 <c>credential_unavailable</c> for a
/// <see cref="CredentialUnavailableException"/>).
/// </summary>
internal sealed partial class CredentialInjectionTransform : RequestTransform
{
    // The credential-like header names StripCredentialHeaders found, per thread (empty between calls).
    [ThreadStatic]
    private static HashSet<string>? t_names;

    private readonly CredentialResolver _resolver;
    private readonly ILogger _logger;

    public CredentialInjectionTransform(ConnectorAuth auth, string? credential, CredentialResolver resolver, ILogger<CredentialInjectionTransform> logger)
    {
        Auth = auth ?? throw new ArgumentNullException(nameof(auth));
        Credential = credential;
        _resolver = resolver ?? throw new ArgumentNullException(nameof(resolver));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Where and how the credential is written.</summary>
    internal ConnectorAuth Auth { get; }

    /// <summary>The resolver's reference for the connector's own credential (<c>vault:</c>, <c>env:</c>, <c>file:</c>), or null for none.</summary>
    internal string? Credential { get; }

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        StripCredentialHeaders(context);

        if (context.HttpContext.Features.Get<GatewayRequestFeature>()?.Find<ForwardPlan>() is not { } plan)
        {
            LogNoPlan(_logger);
            throw new InvalidOperationException("The request carries no forward plan; nothing may be forwarded.");
        }

        var headers = context.ProxyRequest.Headers;
        if (plan.PersonCredential is { } personal)
        {
            // A connector that acts for a person is sent that person's credential, not its own.
            headers.Remove(Auth.HeaderName);
            headers.TryAddWithoutValidation(Auth.HeaderName, ConnectorCredentials.HeaderValue(Auth, personal.Value));
            plan.Redactions.RedactCredential(personal);
        }
        else if (Credential is { } reference)
        {
            try
            {
                var secret = await _resolver.ResolveAsync(plan.Tenant.Slug, reference, context.CancellationToken).ConfigureAwait(false);
                headers.Remove(Auth.HeaderName);
                headers.TryAddWithoutValidation(Auth.HeaderName, ConnectorCredentials.HeaderValue(Auth, secret));
                plan.Redactions.RedactCredential(secret);
            }
            catch (CredentialUnavailableException ex)
            {
                LogCredentialUnavailable(_logger, plan.Upstream.Name, plan.Tenant.Slug, ex.Message);
                throw;
            }
        }

        if (!string.IsNullOrEmpty(plan.DecisionToken))
        {
            headers.TryAddWithoutValidation(SignatureHeaders.DecisionToken, plan.DecisionToken);
        }

        if (plan.Degrade == DegradeMode.DryRun)
        {
            headers.TryAddWithoutValidation(GatewayHeaders.DryRun, "true");
        }
    }

    private static void StripCredentialHeaders(RequestTransformContext context)
    {
        // Names only, and no set unless one is found: the header values are neither copied nor parsed. The set is the
        // thread's, emptied after use (nothing here awaits).
        HashSet<string>? names = null;
        if (!context.HeadersCopied)
        {
            // Once YARP has copied the request's headers (HeadersCopied), each one it kept is in ProxyRequest.Headers
            // (only its fixed set of content headers goes to the content, none of them credential-like), where the scan
            // below finds it, so the request's own are read (through IHeaderDictionary: an enumerator object per request)
            // only when they were not copied.
            foreach (var header in context.HttpContext.Request.Headers)
            {
                if (GatewayHeaders.IsCredentialLike(header.Key))
                {
                    (names ??= FoundNames()).Add(header.Key);
                }
            }
        }

        foreach (var header in context.ProxyRequest.Headers.NonValidated)
        {
            if (GatewayHeaders.IsCredentialLike(header.Key))
            {
                (names ??= FoundNames()).Add(header.Key);
            }
        }

        if (names is null)
        {
            return;
        }

        try
        {
            foreach (var name in names)
            {
                RemoveHeader(context, name);
                context.ProxyRequest.Headers.Remove(name);
            }
        }
        finally
        {
            names.Clear();
        }
    }

    private static HashSet<string> FoundNames() => t_names ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    [LoggerMessage(EventId = 4120, Level = LogLevel.Error, Message = "Credential injection refused: the request carries no forward plan")]
    private static partial void LogNoPlan(ILogger logger);

    [LoggerMessage(EventId = 4121, Level = LogLevel.Warning, Message = "Credential of connector {Connector} unavailable for tenant {Tenant}: {Reason}")]
    private static partial void LogCredentialUnavailable(ILogger logger, string connector, string tenant, string reason);
}
