using Gateway.Proxy.Security;
namespace Gateway.Proxy.Authenticate;

/// <summary>The outcome of <see cref="IAgentDirectory.Find"/>.</summary>
public readonly record struct AgentLookup(AgentLookupStatus Status, AgentSecret? Secret)
{
    public static AgentLookup Unknown(AgentLookupStatus status) => new(status, null);

    public static AgentLookup Found(AgentSecret secret) => new(AgentLookupStatus.Found, secret);
}

/// <summary>Why an agent could or could not be found.</summary>
public enum AgentLookupStatus
{
    Found,
    UnknownTenant,
    UnknownWorkspace,
    UnknownAgent,
    SecretRevoked,

    /// <summary>No policy is loaded yet: nothing can be verified (503).</summary>
    SecretUnavailable,

    /// <summary>The agent is registered but its secret reference resolved to nothing: refused like an unknown agent (401).</summary>
    SecretUnresolved,
}
