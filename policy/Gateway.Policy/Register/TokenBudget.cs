namespace Gateway.Policy;

/// <summary>A model-token budget enforced by the host: agent (or <c>*</c>) × connector (or <c>*</c>).</summary>
public sealed record TokenBudget
{
    public required string Agent { get; init; }

    public required string Connector { get; init; }

    public required long Tokens { get; init; }

    public required TimeSpan Window { get; init; }
}
