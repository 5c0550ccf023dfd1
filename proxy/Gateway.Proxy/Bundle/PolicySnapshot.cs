using System.Collections.Frozen;
using Gateway.Policy;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Bundle;

/// <summary>
/// One loaded policy: the validated <see cref="PolicySet"/> and the agents' runtime secrets resolved
/// from it. Immutable; swapped whole on reload so a request sees one consistent version.
/// </summary>
public sealed class PolicySnapshot
{
    public PolicySnapshot(PolicySet set, FrozenDictionary<(string Tenant, string Agent), AgentSecrets> secrets, DateTimeOffset loadedAt)
    {
        Set = set;
        Secrets = secrets;
        LoadedAt = loadedAt;
    }

    public PolicySet Set { get; }

    /// <summary>Runtime secrets by (tenant, agent); an agent whose current secret could not be resolved is absent.</summary>
    public FrozenDictionary<(string Tenant, string Agent), AgentSecrets> Secrets { get; }

    public DateTimeOffset LoadedAt { get; }
}
