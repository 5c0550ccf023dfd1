using Gateway.Oversight.Agents;
using Gateway.Proxy.Bundle;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Answers the admin API's rotation question from the policy snapshot in force, for an agent's secrets or its public keys
/// alike (a key is retired by its fingerprint as a secret is): the agent's secrets stay here.
/// </summary>
internal sealed class PolicySecretRotation(PolicyProvider policy, TimeProvider time) : IAgentSecretRotation
{
    public string? RetirableSecret(string tenant, string agent)
    {
        if (policy.Current is not { } snapshot)
        {
            return null;
        }

        if (snapshot.Secrets.TryGetValue((tenant, agent), out var secrets))
        {
            return secrets.AcceptedAt(time.GetUtcNow()) is { Next: not null } accepted ? accepted.Current.Fingerprint : null;
        }

        return snapshot.Keys.TryGetValue((tenant, agent), out var keys) && keys.AcceptedAt(time.GetUtcNow()) is { Next: not null } acceptedKeys
            ? acceptedKeys.Current.Fingerprint
            : null;
    }
}
