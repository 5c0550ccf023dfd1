using System.Text.Json;

namespace Gateway.Cli.Runs;

/// <summary>What a step of a run is: its start, an event, an action (decided, or refused before a decision), its cancel.</summary>
internal enum RunStepKind
{
    Start,
    Event,
    Action,
    Refusal,
    Cancel,
    Other,
}

/// <summary>
/// One step of a run's story, as <c>gatewayctl runs</c> shows it: built from one audit record of the run (an action's
/// outcome joins its decision's step). <see cref="Key"/> is what two runs' steps are aligned by (the kind and the tool or
/// event); <see cref="Decision"/> and <see cref="FailingControls"/> are what a diff compares.
/// </summary>
internal sealed record RunStep
{
    public required RunStepKind Kind { get; init; }

    /// <summary>What aligns it with the other run's step: <c>action:&lt;tool&gt;</c>, <c>event:&lt;type&gt;:&lt;name&gt;</c>, <c>start</c>, <c>cancel</c>.</summary>
    public required string Key { get; init; }

    /// <summary>When (the record's time).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>Who acted: the agent or delegated child (or the operator, for a cancel).</summary>
    public required string Actor { get; init; }

    /// <summary>What the step was: a tool, an event and its name.</summary>
    public required string What { get; init; }

    /// <summary>The decision, the refusal (<c>refused:&lt;code&gt;</c>) or the event's type.</summary>
    public required string Decision { get; init; }

    public IReadOnlyList<string> FailingControls { get; init; } = [];

    /// <summary>What happened when the action ran: its status (and the upstream's), joined from its outcome record.</summary>
    public string? Outcome { get; set; }

    /// <summary>The request the step answered (to join its outcome); null for a folded record or an event.</summary>
    public string? RequestId { get; init; }

    /// <summary>How many requests the step stands for (a folded record), 1 otherwise.</summary>
    public int Count { get; init; } = 1;

    /// <summary>The decision's record, for fixtures (tenant, workspace, reason codes).</summary>
    public required JsonElement Record { get; init; }

    /// <summary>The decision and its failing controls, as a diff compares them.</summary>
    public string Verdict => FailingControls.Count == 0 ? Decision : Decision + " [" + string.Join(",", FailingControls) + "]";
}
