using Gateway.Oversight.Agents;
using Gateway.Proxy.Bundle;

namespace Gateway.Proxy.Hosting;

/// <summary>Answers the admin API's rotation question from the policy snapshot in force: the agent's secrets stay here.</summary>
internal sealed class PolicySecretRotation(PolicyProvider policy, TimeProvider time) : IAgentSecretRotation
{
    public string? RetirableSecret(string tenant, string agent) =>
        policy.Current is { } snapshot && snapshot.Secrets.TryGetValue((tenant, agent), out var secrets)
        && secrets.AcceptedAt(time.GetUtcNow()) is { Next: not null } accepted
            ? accepted.Current.Fingerprint
            : null;
}
