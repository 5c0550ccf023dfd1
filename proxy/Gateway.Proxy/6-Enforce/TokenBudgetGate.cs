using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Telemetry;
using Gateway.Store;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// Model-token budgets: the request's maximum tokens are reserved atomically before the call (shared
/// by every replica, so parallel calls can never overspend), then settled against the usage the
/// provider reports.
/// </summary>
internal sealed class TokenBudgetGate
{
    private readonly IStateStore _store;
    private readonly GatewayMetrics _metrics;

    public TokenBudgetGate(IStateStore store, GatewayMetrics metrics)
    {
        _store = store;
        _metrics = metrics;
    }

    /// <summary>Null when no budget applies.</summary>
    public async ValueTask<TokenReservation?> TryReserveAsync(TenantPolicy tenant, AgentIdentity identity, string connector, long tokens, CancellationToken cancellationToken)
    {
        if (tenant.BudgetFor(identity.Agent, connector) is not { } budget)
        {
            return null;
        }

        // A budget written for "*" is shared by everyone it covers; one for an agent or connector is its own.
        var scope = $"{(budget.Agent == "*" ? "*" : identity.Agent)}:{(budget.Connector == "*" ? "*" : connector)}";
        var key = StoreKeys.Budget(identity.Tenant, scope);
        var outcome = await _store.TryReserveAsync(key, tokens, budget.Tokens, budget.Window, cancellationToken).ConfigureAwait(false);
        if (!outcome.Reserved)
        {
            _metrics.BudgetRefusals.Add(1);
        }

        return new TokenReservation(key, tokens, budget.Window, outcome.Reserved, outcome.ResetsIn);
    }

    public async ValueTask SettleAsync(TokenReservation reservation, long actual, CancellationToken cancellationToken)
    {
        try
        {
            await _store.SettleAsync(reservation.Key, reservation.Reserved, actual, reservation.Window, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException)
        {
            // The reservation stands: the budget errs on the side of having spent more, never less.
        }
    }
}

/// <summary>A reservation against a token budget.</summary>
internal sealed record TokenReservation(string Key, long Reserved, TimeSpan Window, bool Granted, TimeSpan ResetsIn);
