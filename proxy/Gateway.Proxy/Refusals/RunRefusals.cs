using Gateway.Oversight;
using Gateway.Oversight.Runs;
namespace Gateway.Proxy.Refusals;

/// <summary>
/// The refusals of a run: <c>403 run_foreign</c> for a run that is not the agent's (unknown, expired, another agent's or
/// another tenant's: one code and one detail for all, so the answer never says which), <c>409 run_cancelled</c> and
/// <c>409 run_ended</c> for an action in a run that has ended. Who ended the run is recorded, never answered.
/// </summary>
internal static class RunRefusals
{
    /// <summary>The run named is not one of the agent's runs.</summary>
    public static Refusal Foreign() =>
        new(StatusCodes.Status403Forbidden, ProblemCodes.RunForeign, "The run is not one of this agent's runs (or a delegated child's grant binds it to another).");

    /// <summary>
    /// The refusal of an action in the run <paramref name="runId"/> once it has ended (<paramref name="end"/>), recorded
    /// under <paramref name="tool"/>; null while it is active (or when there is no run).
    /// </summary>
    public static Refusal? Ended(string? runId, RunEnd? end, string? tool)
    {
        if (runId is null || end is null)
        {
            return null;
        }

        return EndedRefusal(runId, end, tool);
    }

    // Apart from Ended: its members' closure is made only for a run that has ended, not on every request's check.
    private static Refusal EndedRefusal(string runId, RunEnd end, string? tool)
    {
        var cancelled = end.Status == RunStatuses.Cancelled;
        return new Refusal(
            StatusCodes.Status409Conflict,
            cancelled ? ProblemCodes.RunCancelled : ProblemCodes.RunEnded,
            cancelled ? "The run was cancelled; nothing more may be done in it. Start a new run." : $"The run has ended ({end.Status}); nothing more may be done in it. Start a new run.")
        {
            AuditTool = tool ?? "run",
            Members = writer =>
            {
                writer.WriteString("run_id"u8, runId);
                writer.WriteString("run_status"u8, end.Status);
            },
        };
    }

    /// <summary>True for the codes of <see cref="Ended"/>: their records name who ended the run.</summary>
    public static bool IsEnded(string code) => code is ProblemCodes.RunCancelled or ProblemCodes.RunEnded;
}
