using Gateway.Policy;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Authenticate;

/// <summary>An authenticated agent: tenant, workspace and agent come from the signed headers, never from a body.</summary>
public sealed record AgentIdentity(string Tenant, string Workspace, string Agent, string Nonce, long Timestamp)
{
    /// <summary>An operator suspended the agent at run time (kill switch); the lifecycle control blocks it.</summary>
    public bool Suspended { get; init; }

    /// <summary>Which of the agent's secrets verified the signature; null for a request that presented an access token.</summary>
    public SecretSlot? SecretSlot { get; init; }

    /// <summary>
    /// The <see cref="AgentSecret.Fingerprint"/> of the secret that verified the signature, or that obtained the access
    /// token presented (never the secret): the Admit stage refuses the request when that secret was retired.
    /// </summary>
    public string? SecretFingerprint { get; init; }

    /// <summary>
    /// The person the agent acts for: from the <c>X-Gamut-Person</c> identity token, verified against the tenant's OpenID
    /// provider and covered by the request's signature. Null when the request names no person.
    /// </summary>
    public ActingPerson? Person { get; init; }
}
