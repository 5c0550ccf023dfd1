using Gateway.Proxy.Security;
namespace Gateway.Proxy.Authenticate;

/// <summary>The outcome of <see cref="IAgentDirectory.Find"/>.</summary>
/// <param name="Status">Found, or why not.</param>
/// <param name="Secret">
/// The current secret in effect (during a rotation, the one the bundle names <c>secret</c>); null for an agent registered
/// with a public key (<see cref="Key"/>).
/// </param>
public readonly record struct AgentLookup(AgentLookupStatus Status, AgentSecret? Secret)
{
    /// <summary>During a rotation's window, the next secret, accepted as well; null otherwise.</summary>
    public AgentSecret? Next { get; init; }

    /// <summary>The current public key in effect, for an agent registered with one instead of a secret; null otherwise.</summary>
    public AgentKey? Key { get; init; }

    /// <summary>During a key rotation's window, the next public key, accepted as well; null otherwise.</summary>
    public AgentKey? NextKey { get; init; }

    public static AgentLookup Unknown(AgentLookupStatus status) => new(status, null);

    public static AgentLookup Found(AgentSecret secret, AgentSecret? next = null) => new(AgentLookupStatus.Found, secret) { Next = next };

    public static AgentLookup Found(AgentKey key, AgentKey? next) => new(AgentLookupStatus.Found, null) { Key = key, NextKey = next };
}

/// <summary>Why an agent could or could not be found.</summary>
public enum AgentLookupStatus
{
    Found,
    UnknownTenant,
    UnknownWorkspace,
    UnknownAgent,

    /// <summary>No policy is loaded yet: nothing can be verified (503).</summary>
    SecretUnavailable,

    /// <summary>The agent is registered but its secret reference resolved to nothing: refused like an unknown agent (401).</summary>
    SecretUnresolved,
}
