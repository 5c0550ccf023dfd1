namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Endpoint metadata: the endpoint is an OAuth protected resource (RFC 9728). Besides a signed request it accepts
/// <c>Authorization: Bearer|DPoP &lt;access token&gt;</c> issued for it by <c>POST /oauth/token</c>; the request then gets
/// the same <see cref="AuthenticatedRequest"/> a signed one does, and every later stage treats it alike. Its resource
/// identifier is the public base URL followed by the endpoint's route (<c>https://gateway.example.com/mcp</c>); a 401
/// on it carries <c>WWW-Authenticate: Bearer resource_metadata="…"</c> so that MCP clients discover the token endpoint.
/// The endpoint must also require <see cref="AgentSignatureDefaults.AuthorizationPolicy"/>.
/// </summary>
public sealed class AccessTokenResourceMetadata
{
}
