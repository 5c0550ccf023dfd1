using Gateway.Audit;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Admit;

/// <summary>
/// What an agent route that forwards nothing decided (a run started, a run event, a delegation issued, an approval polled):
/// the decision record of those routes, added once by Admit (a refusal) or by the route's handler. The walk
/// (<c>Hosting/AgentRouteWalk.cs</c>) has Record append <see cref="Record"/>, then carries out <see cref="CarryOut"/> when
/// allowed, and Respond writes <see cref="Refusal"/> or <see cref="Answer"/>: a run no record names is never started, a
/// child no record names is never issued.
/// </summary>
internal sealed record AgentRouteOutcome
{
    private AgentRouteOutcome()
    {
    }

    /// <summary>The refusal Respond writes; null when allowed.</summary>
    public Refusal? Refusal { get; private init; }

    /// <summary>The audit entry Record appends before anything is carried out or answered; null records nothing.</summary>
    public AuditEntry? Record { get; private init; }

    /// <summary>What is done once the record is durable (the run or the child stored); null for nothing.</summary>
    public Func<CancellationToken, Task>? CarryOut { get; private init; }

    /// <summary>The answer Respond writes when allowed.</summary>
    public IResult? Answer { get; private init; }

    /// <summary>The <c>Location</c> of what the answer created.</summary>
    public string? Location { get; private init; }

    /// <summary>The answer must not be cached (it carries a secret, a warrant or a fresh resource).</summary>
    public bool NoStore { get; private init; }

    /// <summary>Refused; recorded as <paramref name="record"/> when given (a refusal that says something about an agent's run or authority).</summary>
    public static AgentRouteOutcome Refused(Refusal refusal, AuditEntry? record = null) => new() { Refusal = refusal, Record = record };

    /// <summary>Allowed: <paramref name="record"/> appended first, then <paramref name="carryOut"/> done, then <paramref name="answer"/> written.</summary>
    public static AgentRouteOutcome Allowed(IResult answer, AuditEntry? record = null, Func<CancellationToken, Task>? carryOut = null, string? location = null, bool noStore = false) =>
        new() { Answer = answer, Record = record, CarryOut = carryOut, Location = location, NoStore = noStore };
}
