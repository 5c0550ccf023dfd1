using Gateway.Oversight.Runs;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The run a request acts in, as the Authenticate stage read it from the shared store once the signature covering it was
/// proven (<see cref="AgentIdentity.Run"/>): the agent's own run (a registered agent's, or its child's registered agent's),
/// named by <c>X-Gamut-Run</c> or by a delegated child's grant, and how it had ended when it was read (null: active).
/// Every later stage reads it; none reads the store for it again.
/// </summary>
/// <param name="Record">The run as stored.</param>
/// <param name="End">How it ended when the request arrived; null while it is active.</param>
public sealed record RunBinding(RunRecord Record, RunEnd? End)
{
    /// <summary>The run's id.</summary>
    public string Id => Record.Id;

    /// <summary>The registered agent the run belongs to.</summary>
    public string Agent => Record.Agent;

    /// <summary>The run it was started under, when it is a sub-run.</summary>
    public string? ParentRun => Record.ParentRun;

    /// <summary>The run whose loop window this one counts in: the root of its tree (<see cref="RunRecord.RootRun"/>), else itself.</summary>
    public string LoopRun => Record.RootRun ?? Record.Id;

    /// <summary>True when a delegated child's grant named the run (the child may act in no other), not the request's header.</summary>
    public bool FromGrant { get; init; }

    /// <summary><see cref="RunStatuses.Active"/>, or how it ended.</summary>
    public string Status => End?.Status ?? RunStatuses.Active;
}
