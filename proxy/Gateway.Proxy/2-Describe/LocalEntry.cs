using Gateway.Audit;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// The parts of a <see cref="LocalAction"/>'s audit entry that are the route kind's own: its decision and status, the run
/// and actor chain it names, the run event it records and who ended the run it was refused in. Record fills in who made the
/// request (tenant, workspace, agent, secret slot, person, request id) and appends it.
/// </summary>
/// <param name="Decision">The record's decision (<c>run_started</c>, <c>refused:run_foreign</c>…).</param>
/// <param name="Status">The status the request is answered with.</param>
internal sealed record LocalEntry(string Decision, int Status)
{
    /// <summary>The run it names; null for none.</summary>
    public string? RunId { get; init; }

    /// <summary>The actor chain it names; null for none.</summary>
    public IReadOnlyList<ActorLink>? ActorChain { get; init; }

    /// <summary>The run's lifecycle event it records; null for none.</summary>
    public AuditRunEvent? RunEvent { get; init; }

    /// <summary>Who ended the run the request was refused in; null for none.</summary>
    public string? RunEndedBy { get; init; }

    /// <summary>An entry naming the agent's own run and actor chain, as the request carries them.</summary>
    public static LocalEntry Of(AgentIdentity identity, string decision, int status) =>
        new(decision, status) { RunId = identity.Run?.Id, ActorChain = identity.ChainLinks };

    /// <summary>The entry of <paramref name="refusal"/> (<c>refused:</c> and its code), naming the agent's own run and actor chain.</summary>
    public static LocalEntry Refusing(AgentIdentity identity, Refusal refusal) => Of(identity, "refused:" + refusal.Code, refusal.Status);
}
