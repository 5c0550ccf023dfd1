using Gateway.Policy;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// What the host (the gateway) tells the access-token service: its registered agents, the endpoints that accept access
/// tokens, and the signed-request rules a token request may also be proven by.
/// </summary>
public interface IAccessTokenHost
{
    /// <summary>The registered agent a <c>client_id</c> names, with the means to check a MAC under its runtime secret.</summary>
    AccessTokenClient FindClient(AuthenticatedCaller subject);

    /// <summary>The paths of the endpoints that accept access tokens (each a protected resource), in a stable order.</summary>
    IReadOnlyList<string> ResourcePaths { get; }

    /// <summary>The window a signed request's timestamp is accepted in: a DPoP proof's <c>iat</c> and a client assertion's times get the same.</summary>
    TimeSpan ClockSkew { get; }

    /// <summary>
    /// Proves a token request that carries the agent protocol's signature headers (instead of a client assertion):
    /// the agent and the request's nonce, or why it is refused. The nonce is the caller's to use up.
    /// </summary>
    Task<SignedClient> AuthenticateSignedAsync(Microsoft.AspNetCore.Http.HttpContext context);

    /// <summary>The store key under which a single-use value of the agent (a nonce, an assertion's or a proof's id) is kept.</summary>
    string NonceKey(AuthenticatedCaller subject, string nonce);

    /// <summary>How long such a value is remembered (at least the whole window it could be accepted in).</summary>
    TimeSpan NonceLifetime { get; }
}
