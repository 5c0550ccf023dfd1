namespace Gateway.Policy;

/// <summary>
/// Loop detection in a run (<c>run_limits.loop</c>): the same intent digest <see cref="Repeats"/> times within one run
/// is decided <see cref="Decision"/> (require_approval, block or block_and_open_incident) from that time on.
/// </summary>
public sealed record RunLoopRule
{
    /// <summary>The number of times one intent may occur in a run before the rule applies to it (at least 2).</summary>
    public required int Repeats { get; init; }

    /// <summary><see cref="DecisionKind.RequireApproval"/>, <see cref="DecisionKind.Block"/> or <see cref="DecisionKind.BlockAndOpenIncident"/>.</summary>
    public required DecisionKind Decision { get; init; }
}
