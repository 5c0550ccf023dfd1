namespace Gamut.Agent;

/// <summary>How to wait on an approval: poll with backoff until approved, denied, expired or <see cref="Deadline"/>.</summary>
public sealed record ApprovalWait
{
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan InitialInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Called with each pending poll result.</summary>
    public Action<ApprovalState>? OnPending { get; init; }
}
