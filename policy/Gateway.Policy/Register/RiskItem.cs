namespace Gateway.Policy;

/// <summary>A risk or finding linked to agents (control 10).</summary>
public sealed record RiskItem
{
    public required string Id { get; init; }

    public RiskItemKind Kind { get; init; } = RiskItemKind.Finding;

    public string? Title { get; init; }

    public required Severity Severity { get; init; }

    public RiskItemStatus Status { get; init; } = RiskItemStatus.Open;

    public required IReadOnlyList<string> Agents { get; init; }
}
