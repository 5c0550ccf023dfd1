namespace Gateway.Oversight.Runs;

/// <summary>
/// A run as the shared store holds it, written once at <c>POST /v1/runs</c> and never changed (how it ended is its
/// <see cref="RunEnd"/>, stored beside it). It belongs to its tenant and to the registered agent that started it
/// (<see cref="Agent"/>: for a delegated child, the child's registered agent; the child is <see cref="StartedBy"/>).
/// </summary>
public sealed record RunRecord
{
    /// <summary>The run's id (<see cref="RunIds"/>).</summary>
    public required string Id { get; init; }

    public required string Tenant { get; init; }

    public required string Workspace { get; init; }

    /// <summary>The registered agent the run belongs to: only it and its delegated children may act in it.</summary>
    public required string Agent { get; init; }

    /// <summary>Who started the run: <see cref="Agent"/>, or a delegated child of it.</summary>
    public required string StartedBy { get; init; }

    /// <summary>The agent framework the run is driven by, as the agent named it (<c>langgraph</c>, <c>openai-agents</c>…).</summary>
    public string? Framework { get; init; }

    /// <summary>What the run is for, as the agent said.</summary>
    public string? Purpose { get; init; }

    /// <summary>The run this one was started under (a sub-run), of the same agent.</summary>
    public string? ParentRun { get; init; }

    /// <summary>
    /// The first run of a sub-run's tree (its parent's root, or its parent when that was started under none); null for a run
    /// started under none. The loop detection counts every run of a tree under its root.
    /// </summary>
    public string? RootRun { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the shared store forgets the run (<c>Gateway:Runs:Retention</c> after it started); its records stay in the audit journal.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>
    /// The W3C trace id (32 lowercase hex) every action of the run is a span of: the agent's own, from the
    /// <c>traceparent</c> it sent when it started the run, else one the gateway drew.
    /// </summary>
    public required string TraceId { get; init; }

    /// <summary>The span (16 hex) of the agent's <c>traceparent</c> the run started under; null when the gateway drew the trace.</summary>
    public string? ParentSpanId { get; init; }
}
