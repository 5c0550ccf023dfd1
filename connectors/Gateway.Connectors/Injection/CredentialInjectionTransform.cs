using Gateway.Connectors.Credentials;
using Gateway.Connectors.Signing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Connectors.Injection;

/// <summary>
/// Sets the connector's credential on the outgoing proxy request per its <c>auth</c> scheme, after
/// removing everything credential-like the agent sent (<c>Authorization</c>, <c>x-api-key</c>, <c>api-key</c>,
/// <c>Cookie</c>, <c>Proxy-Authorization</c>, every <c>X-Gamut-*</c> signature header), and sets
/// <c>X-Gamut-Decision-Token</c> (and <c>X-Gamut-Dry-Run</c> under dry_run) from <see cref="ConnectorRequestFeature"/>.
/// For a connector that acts for a person, the person's credential the host obtained (<see cref="ConnectorRequestFeature.PersonCredential"/>)
/// is set instead of the connector's own.
/// The credential is resolved per request through <see cref="CredentialResolver"/> (which caches) and
/// written straight to the outgoing header; it is never put on <c>HttpContext</c>. When the tenant,
/// connector or credential is missing it throws, so the forwarder sends nothing (the host answers
/// 503 <c>credential_unavailable</c> for a <see cref="CredentialUnavailableException"/>).
/// </summary>
public sealed partial class CredentialInjectionTransform : RequestTransform
{
    private readonly CredentialResolver _resolver;
    private readonly ILogger _logger;

    public CredentialInjectionTransform(CredentialResolver resolver, ILogger<CredentialInjectionTransform>? logger = null)
    {
        _resolver = resolver ?? throw new ArgumentNullException(nameof(resolver));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public override async ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        StripCredentialHeaders(context);

        var feature = context.HttpContext.Features.Get<ConnectorRequestFeature>();
        if (feature is null)
        {
            Log.NoContext(_logger);
            throw new InvalidOperationException("The request carries no connector decision; nothing may be forwarded.");
        }

        var connector = feature.Connector;
        if (feature.PersonCredential is { } personal)
        {
            // A connector that acts for a person is sent that person's credential, not its own.
            context.ProxyRequest.Headers.Remove(connector.Auth.HeaderName);
            context.ProxyRequest.Headers.TryAddWithoutValidation(connector.Auth.HeaderName, ConnectorCredentials.HeaderValue(connector.Auth, personal.Value));
        }
        else if (ConnectorCredentials.ReferenceOf(connector) is { } reference)
        {
            try
            {
                var secret = await _resolver.ResolveAsync(feature.Tenant, reference, context.CancellationToken).ConfigureAwait(false);
                context.ProxyRequest.Headers.Remove(connector.Auth.HeaderName);
                context.ProxyRequest.Headers.TryAddWithoutValidation(connector.Auth.HeaderName, ConnectorCredentials.HeaderValue(connector.Auth, secret.Value));
            }
            catch (CredentialUnavailableException ex)
            {
                Log.CredentialUnavailable(_logger, connector.Name, feature.Tenant, ex.Message);
                throw;
            }
        }

        var token = feature.DecisionToken;
        if (!string.IsNullOrEmpty(token))
        {
            context.ProxyRequest.Headers.TryAddWithoutValidation(SignatureHeaders.DecisionToken, token);
        }

        if (feature.DegradeMode == Policy.DegradeMode.DryRun)
        {
            context.ProxyRequest.Headers.TryAddWithoutValidation(GatewayHeaders.DryRun, "true");
        }
    }

    private static void StripCredentialHeaders(RequestTransformContext context)
    {
        // Names only, and no set unless one is found: the header values are neither copied nor parsed.
        HashSet<string>? names = null;
        foreach (var header in context.HttpContext.Request.Headers)
        {
            if (GatewayHeaders.IsCredentialLike(header.Key))
            {
                (names ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(header.Key);
            }
        }

        foreach (var header in context.ProxyRequest.Headers.NonValidated)
        {
            if (GatewayHeaders.IsCredentialLike(header.Key))
            {
                (names ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(header.Key);
            }
        }

        if (names is null)
        {
            return;
        }

        foreach (var name in names)
        {
            RemoveHeader(context, name);
            context.ProxyRequest.Headers.Remove(name);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4120, Level = LogLevel.Error, Message = "Credential injection refused: the request carries no connector decision")]
        public static partial void NoContext(ILogger logger);

        [LoggerMessage(EventId = 4121, Level = LogLevel.Warning, Message = "Credential of connector {Connector} unavailable for tenant {Tenant}: {Reason}")]
        public static partial void CredentialUnavailable(ILogger logger, string connector, string tenant, string reason);
    }
}
