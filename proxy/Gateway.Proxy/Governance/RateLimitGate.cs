using Gateway.Policy;
using Gateway.Proxy.Requests;
using Gateway.Proxy.Telemetry;
using Gateway.Store;

namespace Gateway.Proxy.Governance;

/// <summary>
/// Applies the bundle's rate limits (tenant, agent, tool) to one request in one atomic store call,
/// shared by every replica. A refusal names the scope that refused and when to retry.
/// </summary>
internal sealed class RateLimitGate
{
    private readonly IStateStore _store;
    private readonly GatewayMetrics _metrics;

    public RateLimitGate(IStateStore store, GatewayMetrics metrics)
    {
        _store = store;
        _metrics = metrics;
    }

    /// <summary>Null when admitted; otherwise the refused scope and the time until its window resets.</summary>
    public async ValueTask<(string Scope, TimeSpan RetryAfter)?> TryAcquireAsync(TenantPolicy tenant, AgentIdentity identity, string tool, CancellationToken cancellationToken)
    {
        List<RateLimitWindow>? windows = null;
        List<string>? scopes = null;
        foreach (var limit in tenant.RateLimitsFor(identity.Agent, tool))
        {
            var (scope, key) = limit.Scope switch
            {
                RateLimitScope.Tenant => ("tenant", "tenant"),
                RateLimitScope.Agent => ("agent", "agent:" + identity.Agent),
                _ => ("tool", "tool:" + (limit.Agent is null ? "*" : identity.Agent) + ":" + (limit.Tool ?? tool)),
            };
            windows ??= [];
            scopes ??= [];
            windows.Add(new RateLimitWindow(StoreKeys.RateLimit(identity.Tenant, key + ":" + (long)limit.Window.TotalMilliseconds + ":" + limit.Limit), limit.Limit, limit.Window));
            scopes.Add(scope);
        }

        if (windows is null)
        {
            return null;
        }

        var outcome = await _store.TryAcquireAsync(windows, cancellationToken).ConfigureAwait(false);
        if (outcome.Admitted)
        {
            return null;
        }

        var refused = scopes![outcome.RefusedIndex];
        _metrics.RateLimitRefusals.Add(1, new KeyValuePair<string, object?>("scope", refused));
        return (refused, outcome.RetryAfter);
    }
}
