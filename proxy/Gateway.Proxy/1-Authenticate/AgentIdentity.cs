namespace Gateway.Proxy.Authenticate;

/// <summary>An authenticated agent: tenant, workspace and agent come from the signed headers, never from a body.</summary>
public sealed record AgentIdentity(string Tenant, string Workspace, string Agent, string Nonce, long Timestamp)
{
    /// <summary>An operator suspended the agent at run time (kill switch); the lifecycle control blocks it.</summary>
    public bool Suspended { get; init; }
}
