namespace Gateway.Oversight.Agents;

/// <summary>An agent's kill switches: suspended (every request refused) and secret revoked (401).</summary>
public readonly record struct AgentStatus(bool Suspended, bool SecretRevoked)
{
    public static AgentStatus Normal { get; } = new(false, false);
}
