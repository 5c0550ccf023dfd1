namespace Gateway.Policy;

/// <summary>A request-rate limit enforced by the host (not a decision input).</summary>
public sealed record RateLimit
{
    public required RateLimitScope Scope { get; init; }

    /// <summary>For agent scope: the agent id (null = each agent).</summary>
    public string? Agent { get; init; }

    /// <summary>For tool scope: the tool (null = each tool).</summary>
    public string? Tool { get; init; }

    public required int Limit { get; init; }

    public required TimeSpan Window { get; init; }
}
