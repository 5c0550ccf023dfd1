using Gateway.Oversight.Audit;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The run half of authentication, run once the signature (which covers <c>X-Gamut-Run</c>) verified: the run the request
/// names, or the run a delegated child's grant binds it to, is read from the shared store under the tenant and the
/// registered agent (<see cref="RunStore.FindAsync(string, string, string, CancellationToken)"/>) and joins the identity
/// (<see cref="AgentIdentity.Run"/>). A run that is not the agent's (unknown, expired, another agent's, or not the one the
/// child is bound to) is <c>403 run_foreign</c>, recorded in the tenant's audit journal under the agent that sent it
/// (without the run's id: the refusal never lands in another run's story). Whether the run has ended is for the stages
/// that act (<see cref="RunRefusals.Ended"/>): a run's own events route still takes its agent's acknowledgement.
/// </summary>
internal sealed class RunAuthentication
{
    private readonly RunStore _runs;
    private readonly AuditJournal _audit;

    public RunAuthentication(RunStore runs, AuditJournal audit)
    {
        _runs = runs;
        _audit = audit;
    }

    /// <summary>The run a delegated child's grant binds it to (a run id in its <c>run_id</c>), or null: the child may act in no other run.</summary>
    public static string? BoundRun(AgentIdentity identity) =>
        identity.Delegation?.Record.RunId is { } run && RunIds.IsValid(run) ? run : null;

    /// <summary>
    /// The identity with its run (the last link of its chain naming it, when the chain is recorded), or the refusal, already
    /// recorded. A store failure throws <see cref="Gateway.Store.StateStoreUnavailableException"/>; a refusal that cannot be
    /// recorded is <c>503 audit_unavailable</c>.
    /// </summary>
    public async ValueTask<(AgentIdentity? Identity, Refusal? Refusal)> BindAsync(HttpContext context, AgentIdentity identity, string? presented)
    {
        var bound = BoundRun(identity);
        if (presented is not null && bound is not null && !string.Equals(presented, bound, StringComparison.Ordinal))
        {
            return (null, await RecordAsync(context, identity, RunRefusals.Foreign()).ConfigureAwait(false));
        }

        var id = presented ?? bound;
        if (id is null)
        {
            return (identity, null);
        }

        if (await _runs.FindAsync(identity.Tenant, identity.RegisteredAgent, id, context.RequestAborted).ConfigureAwait(false) is not { } state)
        {
            return (null, await RecordAsync(context, identity, RunRefusals.Foreign()).ConfigureAwait(false));
        }

        var chain = identity.Chain;
        if (chain.IsDelegatedOrForPerson && chain.Actor.RunId is null)
        {
            // The actor's link names the run it acted in, in every decision, token and record that carries the chain.
            chain = Policy.ActorChain.From([.. chain.Links.Take(chain.Links.Count - 1), chain.Actor with { RunId = id }]);
        }

        return (identity with { Run = new RunBinding(state.Record, state.End) { FromGrant = presented is null }, Chain = chain }, null);
    }

    private async ValueTask<Refusal> RecordAsync(HttpContext context, AgentIdentity identity, Refusal refusal)
    {
        try
        {
            await _audit.AppendAsync(AgentAuditEntry.Of(context, identity, tool: null, "refused:" + refusal.Code, refusal.Status), context.RequestAborted).ConfigureAwait(false);
        }
        catch (AuditWriteException)
        {
            return Refusal.AuditUnavailable();
        }

        return refusal;
    }
}
