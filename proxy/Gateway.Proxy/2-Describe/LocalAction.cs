using Gateway.Policy;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describe's record for a request the gateway serves itself (a run, a run event, a delegation, an approval poll, a remote
/// agent's card, an MCP message it answers), in place of a <see cref="DescribedAction"/>: what it is admitted and recorded
/// as, how it is admitted, what the describer found refuses it, the entry Record appends before the route kind's local
/// destination carries it out, and the state that destination needs. Admit admits it (one store call), Decide decides it
/// (<see cref="WhenSuspended"/>, else <see cref="Refused"/>, else allowed), Record appends the entry, Enforce plans
/// nothing and Forward serves it in process.
/// </summary>
/// <param name="Tool">The tool (or connector) its records and recorded refusals name; null for none.</param>
/// <param name="Admission">How Admit admits it.</param>
internal sealed record LocalAction(string? Tool, LocalAdmission Admission)
{
    /// <summary>The tenant's policy when loaded (for <see cref="LocalAdmission.RateLimited"/> and <see cref="LocalAdmission.DelegationIssuance"/>).</summary>
    public TenantPolicy? Tenant { get; init; }

    /// <summary>What the route kind's local destination needs to carry it out (its own record type); null for nothing.</summary>
    public object? State { get; init; }

    /// <summary>The entry Record appends when it is allowed, before anything is carried out; null appends nothing.</summary>
    public LocalEntry? Entry { get; init; }

    /// <summary>The refusal the describer found (a malformed body, a run not the agent's…) once admitted; null when none.</summary>
    public LocalRefusal? Refused { get; init; }

    /// <summary>The refusal when the admitted agent is suspended by an operator (decided first); null: a suspension does not refuse it.</summary>
    public LocalRefusal? WhenSuspended { get; init; }

    /// <summary>The destination's state, of the type its describer gave it.</summary>
    public TState StateOf<TState>()
        where TState : class =>
        State as TState ?? throw new InvalidOperationException($"The local action carries no {typeof(TState).Name}: its describer and destination disagree.");
}

/// <summary>How Admit admits a <see cref="LocalAction"/>: each is one store call (<c>3-Admit/AdmissionGate.cs</c>).</summary>
internal enum LocalAdmission
{
    /// <summary>The nonce stored if absent and the agent's kill switches read; no rate limit counted.</summary>
    Request,

    /// <summary>As <see cref="Request"/>, and the tenant's rate limits for <see cref="LocalAction.Tool"/> counted (refusals recorded under it).</summary>
    RateLimited,

    /// <summary>A delegation's issuance: the registered agent's rate limits and its delegation issuance window counted.</summary>
    DelegationIssuance,
}

/// <summary>A refusal of a <see cref="LocalAction"/>, with the entry it is recorded as (null: not recorded, bad input says nothing about the agent).</summary>
internal sealed record LocalRefusal(Refusal Refusal, LocalEntry? Entry);
