namespace Gateway.Policy;

/// <summary>A red-team test run against an agent (control 11).</summary>
public sealed record RedTeamTest
{
    public required string Agent { get; init; }

    public required string Scenario { get; init; }

    public required bool Passed { get; init; }

    public DateOnly? Date { get; init; }
}
