using Gateway.Proxy.Security;

namespace Gateway.Proxy.Authenticate;

/// <summary>An authenticated agent: tenant, workspace and agent come from the signed headers, never from a body.</summary>
public sealed record AgentIdentity(string Tenant, string Workspace, string Agent, string Nonce, long Timestamp)
{
    /// <summary>An operator suspended the agent at run time (kill switch); the lifecycle control blocks it.</summary>
    public bool Suspended { get; init; }

    /// <summary>Which of the agent's secrets (or public keys) verified the signature; null for a request that presented an access token.</summary>
    public SecretSlot? SecretSlot { get; init; }

    /// <summary>
    /// The <see cref="AgentSecret.Fingerprint"/> of the secret that verified the signature, or that obtained the access
    /// token presented (never the secret): the Admit stage refuses the request when that secret was retired.
    /// </summary>
    public string? SecretFingerprint { get; init; }
}
