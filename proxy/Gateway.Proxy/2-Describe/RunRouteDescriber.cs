using Gateway.Oversight.Options;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Describe;

/// <summary>
/// What the describers of the run routes share: a body bounded by <c>Gateway:Runs:MaxEventBytes</c> and free of secret
/// material (<see cref="RunBody"/>), refused before anything else, the agent's own runs read from the run store, and the
/// request admitted under the tool <c>run</c> with the tenant's rate limits counted (<see cref="LocalAdmission.RateLimited"/>).
/// </summary>
internal abstract class RunRouteDescriber : IRouteDescriber
{
    private readonly int _maxBodyBytes;

    private readonly PolicyProvider _policy;

    protected RunRouteDescriber(RunStore runs, IOptions<OversightOptions> options, PolicyProvider policy)
    {
        Runs = runs;
        _policy = policy;
        _maxBodyBytes = options.Value.Runs.MaxEventBytes;
    }

    /// <summary>The runs, as stored.</summary>
    protected RunStore Runs { get; }

    public async ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated) =>
        (null, RunBody.RefusalOf(authenticated.Body, _maxBodyBytes)
            ?? await DescribeRunAsync(context, feature, authenticated.Identity, authenticated.Body).ConfigureAwait(false));

    /// <summary>Adds the request's <see cref="LocalAction"/> (and its record), or returns the refusal of a body that does not read.</summary>
    protected abstract ValueTask<Refusal?> DescribeRunAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, ReadOnlyMemory<byte> body);

    /// <summary>The request's action, admitted under the tool <c>run</c> with the tenant's rate limits; null when the tenant's policy is not loaded.</summary>
    protected LocalAction? RateLimitedAction(AgentIdentity identity) =>
        _policy.TenantOf(identity) is { } tenant ? new LocalAction(RunStartDescriber.Tool, LocalAdmission.RateLimited) { Tenant = tenant } : null;

    /// <summary>The agent's own run <paramref name="id"/>, as stored now; null when it is not one of them.</summary>
    protected async ValueTask<RunBinding?> FindAsync(AgentIdentity identity, string id, CancellationToken cancellationToken) =>
        await Runs.FindAsync(identity.Tenant, identity.RegisteredAgent, id, cancellationToken).ConfigureAwait(false) is { } state
            ? new RunBinding(state.Record, state.End)
            : null;
}
