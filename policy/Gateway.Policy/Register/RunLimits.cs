namespace Gateway.Policy;

/// <summary>
/// What one run of an agent may do (<c>run_limits</c>), enforced by the host for every governed request that carries the
/// run: its actions, model tokens and cost (reserved atomically before a request, settled against use after), its age,
/// and how often it may repeat one intent (<see cref="Loop"/>, a decision input). An entry for <c>*</c> is the tenant's
/// default; an agent's own entry replaces it whole (<see cref="TenantPolicy.RunLimitsFor"/>). A null member sets no limit.
/// </summary>
public sealed record RunLimits
{
    /// <summary>A registered agent's id, or <c>*</c> for every agent without an entry of its own.</summary>
    public required string Agent { get; init; }

    /// <summary>The most governed actions one run may take.</summary>
    public long? Actions { get; init; }

    /// <summary>The most model tokens (input and output, as the provider reports them) one run may use.</summary>
    public long? Tokens { get; init; }

    /// <summary>The most one run's model calls may cost, in the catalog's pricing currency (<see cref="ModelPricing"/>).</summary>
    public decimal? Cost { get; init; }

    /// <summary>How long after it started the run may act.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Loop detection; null for none.</summary>
    public RunLoopRule? Loop { get; init; }
}
