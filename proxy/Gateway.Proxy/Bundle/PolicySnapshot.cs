using System.Collections.Frozen;
using Gateway.Policy;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Bundle;

/// <summary>
/// One loaded policy: the validated <see cref="PolicySet"/> and the agents' runtime secrets resolved
/// from it and their public keys imported. Immutable; swapped whole on reload so a request sees one consistent version.
/// </summary>
public sealed class PolicySnapshot
{
    public PolicySnapshot(
        PolicySet set,
        FrozenDictionary<(string Tenant, string Agent), AgentSecrets> secrets,
        FrozenDictionary<(string Tenant, string Agent), AgentKeys> keys,
        DateTimeOffset loadedAt)
    {
        Set = set;
        Secrets = secrets;
        Keys = keys;
        LoadedAt = loadedAt;
    }

    public PolicySet Set { get; }

    /// <summary>Runtime secrets by (tenant, agent); an agent whose current secret could not be resolved is absent.</summary>
    public FrozenDictionary<(string Tenant, string Agent), AgentSecrets> Secrets { get; }

    /// <summary>Public keys by (tenant, agent), for the agents registered with a key instead of a secret.</summary>
    public FrozenDictionary<(string Tenant, string Agent), AgentKeys> Keys { get; }

    public DateTimeOffset LoadedAt { get; }
}
