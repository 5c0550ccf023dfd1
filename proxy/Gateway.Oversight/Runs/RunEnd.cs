namespace Gateway.Oversight.Runs;

/// <summary>
/// How a run ended, stored once beside its <see cref="RunRecord"/> (the first ending wins, on every replica): completed
/// or failed by its agent's event, or cancelled by its agent or by an operator. <see cref="By"/> names who ended it:
/// <c>agent:&lt;id&gt;</c> (the agent or child that sent the event) or <c>admin:&lt;token name&gt;</c>.
/// </summary>
/// <param name="Status">One of <see cref="RunStatuses.Completed"/>, <see cref="RunStatuses.Failed"/>, <see cref="RunStatuses.Cancelled"/>.</param>
/// <param name="By">Who ended the run.</param>
/// <param name="At">When.</param>
public sealed record RunEnd(string Status, string By, DateTimeOffset At)
{
    /// <summary>Why, when the one who ended it said (an operator's cancel reason).</summary>
    public string? Reason { get; init; }

    /// <summary>Who ended a run by an agent's event.</summary>
    public static string ByAgent(string agent) => "agent:" + agent;

    /// <summary>Who ended a run through the admin API.</summary>
    public static string ByAdmin(string tokenName) => "admin:" + tokenName;
}
