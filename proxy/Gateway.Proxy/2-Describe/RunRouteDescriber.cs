using Gateway.Oversight.Options;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Describe;

/// <summary>
/// What the describers of the run routes share: a body bounded by <c>Gateway:Runs:MaxEventBytes</c> and free of secret
/// material (<see cref="RunBody"/>), refused before anything else, and the agent's own runs read from the run store.
/// </summary>
internal abstract class RunRouteDescriber : IRouteDescriber
{
    private readonly int _maxBodyBytes;

    protected RunRouteDescriber(RunStore runs, IOptions<OversightOptions> options)
    {
        Runs = runs;
        _maxBodyBytes = options.Value.Runs.MaxEventBytes;
    }

    /// <summary>The runs, as stored.</summary>
    protected RunStore Runs { get; }

    public async ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated) =>
        (null, RunBody.RefusalOf(authenticated.Body, _maxBodyBytes)
            ?? await DescribeRunAsync(context, feature, authenticated.Identity, authenticated.Body).ConfigureAwait(false));

    /// <summary>Adds the request's <see cref="LocalAction"/> (and its record), or returns the refusal of a body that does not read.</summary>
    protected abstract ValueTask<Refusal?> DescribeRunAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, ReadOnlyMemory<byte> body);

    /// <summary>The agent's own run <paramref name="id"/>, as stored now; null when it is not one of them.</summary>
    protected async ValueTask<RunBinding?> FindAsync(AgentIdentity identity, string id, CancellationToken cancellationToken) =>
        await Runs.FindAsync(identity.Tenant, identity.RegisteredAgent, id, cancellationToken).ConfigureAwait(false) is { } state
            ? new RunBinding(state.Record, state.End)
            : null;
}
