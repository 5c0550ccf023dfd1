using Gateway.Oversight.Runs;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The run half of authentication, run once the signature (which covers <c>X-Gamut-Run</c>) verified: the run the request
/// names, or the run a delegated child's grant binds it to, is read from the shared store under the tenant and the
/// registered agent (<see cref="RunStore.FindAsync(string, string, string, CancellationToken)"/>) and joins the identity
/// (<see cref="AgentIdentity.Run"/>). A run that is not the agent's (unknown, expired, another agent's, or not the one the
/// child is bound to) is <c>403 run_foreign</c>, recorded under the agent that sent it (the identity before its run
/// joined, so the refusal never lands in another run's story: <see cref="AuthenticationChallenge.RecordedUnder"/>, which
/// the Respond stage records through the Record stage's writer). Whether the run has ended is for the stages
/// that act (<see cref="RunRefusals.Ended"/>): a run's own events route still takes its agent's acknowledgement.
/// </summary>
internal sealed class RunAuthentication
{
    private readonly RunStore _runs;

    public RunAuthentication(RunStore runs) => _runs = runs;

    /// <summary>The run a delegated child's grant binds it to (a run id in its <c>run_id</c>), or null: the child may act in no other run.</summary>
    public static string? BoundRun(AgentIdentity identity) =>
        identity.Delegation?.Record.RunId is { } run && RunIds.IsValid(run) ? run : null;

    /// <summary>
    /// The identity with its run (the last link of its chain naming it, when the chain is recorded), or the refusal, to be
    /// recorded under the identity as it came. A store failure throws <see cref="Gateway.Store.StateStoreUnavailableException"/>.
    /// </summary>
    public async ValueTask<(AgentIdentity? Identity, Refusal? Refusal)> BindAsync(HttpContext context, AgentIdentity identity, string? presented)
    {
        var bound = BoundRun(identity);
        if (presented is not null && bound is not null && !string.Equals(presented, bound, StringComparison.Ordinal))
        {
            return (null, RunRefusals.Foreign());
        }

        var id = presented ?? bound;
        if (id is null)
        {
            return (identity, null);
        }

        if (await _runs.FindAsync(identity.Tenant, identity.RegisteredAgent, id, context.RequestAborted).ConfigureAwait(false) is not { } state)
        {
            return (null, RunRefusals.Foreign());
        }

        var chain = identity.Chain;
        if (chain.IsDelegatedOrForPerson && chain.Actor.RunId is null)
        {
            // The actor's link names the run it acted in, in every decision, token and record that carries the chain.
            chain = Policy.ActorChain.From([.. chain.Links.Take(chain.Links.Count - 1), chain.Actor with { RunId = id }]);
        }

        return (identity with { Run = new RunBinding(state.Record, state.End) { FromGrant = bound is not null }, Chain = chain }, null);
    }
}
