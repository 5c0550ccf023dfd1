using Gateway.Oversight.Agents;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Admit;

/// <summary>
/// The Admit stage: ONE store call per request (<see cref="IStateStore.AdmitAsync"/>) stores the nonce
/// if absent, reads the agent's kill switches and acquires the bundle's rate-limit windows (tenant,
/// agent, tool), shared by every replica, and for a model call under a token budget reserves its
/// tokens (<see cref="TokenBudgetGate.ForAdmission"/>). Authentication proved the signature; this
/// proves freshness.
/// </summary>
internal sealed class AdmissionGate
{
    private readonly IStateStore _store;
    private readonly TokenBudgetGate _budgets;
    private readonly GatewayMetrics _metrics;
    private readonly TimeSpan _nonceLifetime;

    public AdmissionGate(IStateStore store, TokenBudgetGate budgets, GatewayMetrics metrics, IOptions<GatewayOptions> options)
    {
        _store = store;
        _budgets = budgets;
        _metrics = metrics;
        _nonceLifetime = options.Value.Authentication.NonceLifetime;
    }

    /// <summary>Admits a request that reserves no budget (<see cref="AdmitAsync(TenantPolicy?, AgentIdentity, string?, BudgetReservation?, CancellationToken)"/>).</summary>
    public ValueTask<Admission> AdmitAsync(TenantPolicy? tenant, AgentIdentity identity, string? tool, CancellationToken cancellationToken) =>
        AdmitAsync(tenant, identity, tool, budget: null, cancellationToken);

    /// <summary>
    /// Admits the request: the refusal when it may not go on, else the identity with the operator's
    /// suspension applied. <paramref name="tenant"/> and <paramref name="tool"/> select the rate limits
    /// (none when null); <paramref name="budget"/>, when not null, is reserved in the same store call, only
    /// for a fresh nonce whose windows all admitted (<see cref="Admission.Reservation"/>). A store failure
    /// throws <see cref="StateStoreUnavailableException"/> (fail closed).
    /// </summary>
    public async ValueTask<Admission> AdmitAsync(TenantPolicy? tenant, AgentIdentity identity, string? tool, BudgetReservation? budget, CancellationToken cancellationToken)
    {
        List<RateLimitWindow>? windows = null;
        List<string>? scopes = null;
        if (tenant is not null && tool is not null)
        {
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
        }

        var request = new AdmissionRequest(
            StoreKeys.Nonce(identity.Tenant, identity.Agent, identity.Nonce),
            identity.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _nonceLifetime,
            [AgentStatusService.SuspendedKey(identity.Tenant, identity.Agent), AgentStatusService.SecretRevokedKey(identity.Tenant, identity.Agent)],
            (IReadOnlyList<RateLimitWindow>?)windows ?? [])
        {
            Budget = budget,
        };
        var outcome = await _store.AdmitAsync(request, cancellationToken).ConfigureAwait(false);
        if (!outcome.NonceFresh)
        {
            _metrics.Replays.Add(1);
            return Admission.Replayed;
        }

        var reservation = TokenBudgetGate.Admitted(budget, outcome.Budget);
        if (outcome.IsSwitchOn(1))
        {
            if (reservation is { Granted: true })
            {
                // Refused here, with no admission for the request to end with: given back now.
                await _budgets.ReleaseAsync(reservation).ConfigureAwait(false);
            }

            return Admission.SecretRevoked;
        }

        if (!outcome.RateLimit.Admitted)
        {
            var refused = scopes![outcome.RateLimit.RefusedIndex];
            _metrics.RateLimitRefusals.Add(1, new KeyValuePair<string, object?>("scope", refused));
            return new Admission(AdmissionVerdict.RateLimited, identity, refused, outcome.RateLimit.RetryAfter);
        }

        return new Admission(AdmissionVerdict.Admitted, outcome.IsSwitchOn(0) ? identity with { Suspended = true } : identity, null, TimeSpan.Zero)
        {
            Reservation = reservation,
        };
    }
}
