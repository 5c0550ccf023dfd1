namespace Gateway.Oversight.Options;

/// <summary>Runs (<c>Gateway:Runs</c>; docs/runs.md).</summary>
public sealed record RunOptions
{
    /// <summary>
    /// How long the shared store keeps a run after it started (its record, how it ended, its place in the listing): its
    /// agent may act in it, and an operator find it by id, that long. Its records stay in the audit journal.
    /// </summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The largest body of <c>POST /v1/runs/{id}/events</c> (and of <c>POST /v1/runs</c>), in bytes.</summary>
    public int MaxEventBytes { get; init; } = 16 * 1024;
}
