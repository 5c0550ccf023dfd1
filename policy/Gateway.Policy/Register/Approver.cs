namespace Gateway.Policy;

/// <summary>A named person who may approve gated actions.</summary>
public sealed record Approver
{
    public required string Id { get; init; }

    public string? Name { get; init; }
}
