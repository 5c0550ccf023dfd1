namespace Gateway.Oversight.Runs;

/// <summary>
/// A listing of a tenant's runs the shared store still holds: every given filter must match (<see cref="From"/>
/// inclusive, <see cref="To"/> exclusive, on the run's start), newest first, at most <see cref="Limit"/>.
/// </summary>
public sealed record RunListQuery
{
    public string? Agent { get; init; }

    /// <summary>One of <see cref="RunStatuses.All"/>.</summary>
    public string? Status { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public int Limit { get; init; } = 100;
}
