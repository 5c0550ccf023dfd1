namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Endpoint metadata: the endpoint is an OAuth protected resource (RFC 9728). Besides a signed request it accepts
/// <c>Authorization: Bearer|DPoP &lt;access token&gt;</c> issued for it by <c>POST /oauth/token</c>; the request then gets
/// the same <see cref="AuthenticatedRequest"/> a signed one does, and every later stage treats it alike. Its resource
/// identifier is the public base URL followed by <see cref="ResourcePath"/> (<c>https://gateway.example.com/mcp</c>); a 401
/// on it carries <c>WWW-Authenticate: Bearer resource_metadata="…"</c> so that MCP clients discover the token endpoint.
/// The endpoint must also be an agent route (<see cref="AgentRouteMetadata"/>). Several endpoints (the
/// methods of one MCP endpoint) share a resource by naming the same <see cref="ResourcePath"/>.
/// </summary>
public sealed class AccessTokenResourceMetadata
{
    public AccessTokenResourceMetadata(string resourcePath)
    {
        if (string.IsNullOrEmpty(resourcePath) || resourcePath[0] != '/' || resourcePath.Length > 1 && resourcePath[^1] == '/'
            || resourcePath.Contains('?', StringComparison.Ordinal) || resourcePath.Contains('#', StringComparison.Ordinal))
        {
            throw new ArgumentException("A resource path starts with '/', has no trailing '/', query or fragment (e.g. /mcp).", nameof(resourcePath));
        }

        ResourcePath = resourcePath;
    }

    /// <summary>The resource's path under the public base URL: the access token's audience is that URL.</summary>
    public string ResourcePath { get; }
}
