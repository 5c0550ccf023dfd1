using Gateway.Policy;

namespace Gateway.Connectors.Credentials;

/// <summary>
/// Writes a connector's credential, resolved from the vault for one tenant, on each request the gateway itself sends
/// its upstream (the gateway's own MCP sessions: listings, prompts, resources, a client's answer to a server's request).
/// </summary>
public sealed class ConnectorCredentialHandler(CredentialResolver credentials, string tenant, CatalogEntry connector) : DelegatingHandler
{
    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ConnectorCredentials.ReferenceOf(connector) is { } reference)
        {
            var secret = await credentials.ResolveAsync(tenant, reference, cancellationToken).ConfigureAwait(false);
            request.Headers.Remove(connector.Auth.HeaderName);
            request.Headers.TryAddWithoutValidation(connector.Auth.HeaderName, ConnectorCredentials.HeaderValue(connector.Auth, secret));
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
