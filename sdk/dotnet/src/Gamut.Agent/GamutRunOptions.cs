namespace Gamut.Agent;

/// <summary>What <c>POST /v1/runs</c> is asked when a run starts (<see cref="GamutClient.StartRunAsync"/>); each optional.</summary>
public sealed record GamutRunOptions
{
    /// <summary>The agent framework, e.g. <c>semantic-kernel</c> (at most 64 characters).</summary>
    public string? Framework { get; init; }

    /// <summary>What the run is for (at most 1024 characters).</summary>
    public string? Purpose { get; init; }

    /// <summary>The run this one is a sub-run of (default: the run the starting client carries, if any).</summary>
    public string? ParentRun { get; init; }
}
