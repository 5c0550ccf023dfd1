using Gateway.Connectors.Redaction;
using Gateway.Policy;

namespace Gateway.Connectors.Credentials;

/// <summary>
/// Writes a connector's credential, resolved from the vault for one tenant, on each request the gateway itself sends
/// its upstream (the gateway's own MCP sessions: listings, prompts, resources, a client's answer to a server's request),
/// and reads each answer with that credential redacted wherever the server echoes it (<see cref="CredentialEchoContent"/>).
/// </summary>
public sealed class ConnectorCredentialHandler(CredentialResolver credentials, string tenant, CatalogEntry connector) : DelegatingHandler
{
    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        SecretValue? secret = null;
        if (ConnectorCredentials.ReferenceOf(connector) is { } reference)
        {
            secret = await credentials.ResolveAsync(tenant, reference, cancellationToken).ConfigureAwait(false);
            request.Headers.Remove(connector.Auth.HeaderName);
            request.Headers.TryAddWithoutValidation(connector.Auth.HeaderName, ConnectorCredentials.HeaderValue(connector.Auth, secret));
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (secret?.Spellings is { } spellings && response.Content is { } content)
        {
            // What the server answers reaches agents (its tools, prompts, resources): never with the credential in it.
            response.Content = CredentialEchoContent.Of(content, spellings);
        }

        return response;
    }
}
