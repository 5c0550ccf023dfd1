using Gateway.Oversight.Agents;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Answers the admin API's rotation questions from the policy snapshot in force, for an agent's secrets or its public keys
/// alike (a key is retired by its fingerprint as a secret is): the agent's secrets stay here, only fingerprints leave.
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

    public AgentCredentials? CredentialsOf(string tenant, string agent)
    {
        if (policy.Current is not { } snapshot)
        {
            return null;
        }

        if (snapshot.Secrets.TryGetValue((tenant, agent), out var secrets))
        {
            return Describe(AgentCredentials.Secret, secrets.RotationEnds, Slot("current", secrets.Current), secrets.Next is { } next ? Slot("next", next) : null);
        }

        return snapshot.Keys.TryGetValue((tenant, agent), out var keys)
            ? Describe(AgentCredentials.PublicKey, keys.RotationEnds, Slot("current", keys.Current), keys.Next is { } nextKey ? Slot("next", nextKey) : null)
            : null;
    }

    private static AgentCredentialSlot Slot(string slot, AgentSecret secret) => new(slot, secret.Fingerprint, Accepted: true);

    private static AgentCredentialSlot Slot(string slot, AgentKey key) => new(slot, key.Fingerprint, Accepted: true) { KeyId = key.KeyId, Alg = key.AlgorithmName };

    // Both accepted during the window; once rotation_ends has passed, the next one alone (RotationWindow.AcceptedAt).
    private AgentCredentials Describe(string kind, DateTimeOffset? ends, AgentCredentialSlot current, AgentCredentialSlot? next)
    {
        if (next is null)
        {
            return new AgentCredentials(kind, null, [current]);
        }

        var windowOver = ends is { } end && time.GetUtcNow() > end;
        return new AgentCredentials(kind, ends, [current with { Accepted = !windowOver }, next]);
    }
}
