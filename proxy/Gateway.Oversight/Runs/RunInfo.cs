namespace Gateway.Oversight.Runs;

/// <summary>
/// A run as the agent that started it (<c>POST /v1/runs</c>, 201) and the admin API are shown: its record, its status and,
/// once it ended, how, when and by whom.
/// </summary>
public sealed record RunInfo(
    string RunId,
    string Tenant,
    string Workspace,
    string Agent,
    string StartedBy,
    string Status,
    string? Framework,
    string? Purpose,
    string? ParentRun,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string TraceId)
{
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Who ended it: <c>agent:&lt;id&gt;</c> or <c>admin:&lt;token name&gt;</c>.</summary>
    public string? EndedBy { get; init; }

    public string? EndReason { get; init; }

    /// <summary>What <paramref name="state"/> shows.</summary>
    public static RunInfo Of(RunState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var run = state.Record;
        return new RunInfo(run.Id, run.Tenant, run.Workspace, run.Agent, run.StartedBy, state.Status, run.Framework, run.Purpose, run.ParentRun,
            run.CreatedAt, run.ExpiresAt, run.TraceId)
        {
            EndedAt = state.End?.At,
            EndedBy = state.End?.By,
            EndReason = state.End?.Reason,
        };
    }
}

/// <summary>The answer to <c>POST /v1/runs/{id}/events</c>: the event recorded, and the run's status after it.</summary>
public sealed record RunEventRecorded(string RunId, string Type, string Status);
