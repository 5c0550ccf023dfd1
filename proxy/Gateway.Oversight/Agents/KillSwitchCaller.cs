namespace Gateway.Oversight.Agents;

/// <summary>
/// Whose kill switches stop a caller (<see cref="AgentStatusService.IsStoppedAsync"/>, <see cref="AgentStatusService.StopOf(uint, bool)"/>):
/// its tenant, the agent (a delegated child's own id), the fingerprint of the secret or key it proved itself with (null:
/// not known), and for a delegated child its registered agent and the fingerprint of that agent's secret that issued it.
/// </summary>
/// <param name="Tenant">The caller's tenant.</param>
/// <param name="Agent">The agent, or a delegated child's own id.</param>
/// <param name="SecretFingerprint">The fingerprint of the secret or key that proved the caller; null when not known.</param>
public sealed record KillSwitchCaller(string Tenant, string Agent, string? SecretFingerprint)
{
    /// <summary>For a delegated child: the registered agent it acts under; null for a registered agent.</summary>
    public string? RegisteredAgent { get; init; }

    /// <summary>For a delegated child: the fingerprint of its registered agent's secret that issued it, when known.</summary>
    public string? IssuerSecretFingerprint { get; init; }
}

/// <summary>What stops a caller, the first in this order that applies (<see cref="AgentStatusService.StopOf(uint, bool)"/>).</summary>
public enum KillSwitchStop
{
    /// <summary>No switch stops it.</summary>
    None,

    /// <summary>Its runtime secret, or a delegated child's agent's, is revoked (401).</summary>
    SecretRevoked,

    /// <summary>The secret that proved it, or that issued a delegated child, is retired (401).</summary>
    SecretRetired,

    /// <summary>It, its tenant, or a delegated child's agent, is suspended by an operator (a block).</summary>
    Suspended,
}
