namespace Gateway.Oversight.Runs;

/// <summary>A run as the shared store holds it now: its record, and how it ended (null while it is active).</summary>
public sealed record RunState(RunRecord Record, RunEnd? End)
{
    /// <summary><see cref="RunStatuses.Active"/>, or the status it ended with.</summary>
    public string Status => End?.Status ?? RunStatuses.Active;

    /// <summary>True while no one has ended the run: its agent may act in it.</summary>
    public bool IsActive => End is null;
}
