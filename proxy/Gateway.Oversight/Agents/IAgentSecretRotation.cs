namespace Gateway.Oversight.Agents;

/// <summary>
/// What the admin API needs to retire an agent's current secret (or, for an agent registered with a public key, its
/// current key), and to show the agent's secrets or keys: which ones they are. The host implements it over the policy in
/// force; the secret itself never leaves the host, only its fingerprint.
/// </summary>
public interface IAgentSecretRotation
{
    /// <summary>
    /// The fingerprint of the agent's current secret or key while a rotation's window is open (its next secret or key
    /// accepted as well); null when there is nothing to retire it for: no next one, or <c>rotation_ends</c> has passed.
    /// </summary>
    string? RetirableSecret(string tenant, string agent);

    /// <summary>
    /// The agent's secrets or keys as the policy in force registers them, each by its fingerprint, with whether the
    /// rotation's window accepts it now (<see cref="AgentCredentialSlot.Retired"/> is left false: the switches are the
    /// store's); null when the agent is not registered (or no policy is loaded).
    /// </summary>
    AgentCredentials? CredentialsOf(string tenant, string agent);
}
