using Gateway.Connectors.Models;
using Gateway.Policy;
using Gateway.Proxy.Telemetry;
using Gateway.Store;

namespace Gateway.Proxy.Reservations;

/// <summary>
/// Model-token budgets in the shared store: a call's tokens are reserved atomically before it is forwarded (shared by
/// every replica, so parallel calls can never overspend), then settled against the usage the provider reports. The
/// admission asks the reservation in its own store call (the Admit stage's <c>TokenBudgetGate</c>, under
/// <see cref="KeyFor"/>); Enforce takes it up (<see cref="TryReserveAsync"/>); Respond settles it, or a request that is
/// not forwarded releases it (settled to 0), in the window slot it was reserved in: the store settles nothing once that
/// slot has ended, by its own clock in the settle's own atomic step, however late the settle arrives. Shared by the stages
/// that hold a reservation, so none calls another. A settle the store fails never leaves the budget counting less than
/// was spent (<see cref="SettleAsync"/>).
/// </summary>
internal sealed partial class TokenBudgets : IAsyncDisposable, IDisposable
{
    /// <summary>A model request's output-token ceiling (the largest it names, else the default).</summary>
    public static MaxTokensEstimator TokenEstimator { get; } = new();

    private readonly IStateStore _store;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly BudgetSettleRetries _retries;

    public TokenBudgets(IStateStore store, GatewayMetrics metrics, TimeProvider? time = null, ILogger<TokenBudgets>? logger = null)
    {
        _store = store;
        _metrics = metrics;
        _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _retries = new BudgetSettleRetries(store, metrics, time ?? TimeProvider.System, _logger);
    }

    /// <summary>The tokens used beyond their reservations whose settle failed, held for retry (<see cref="BudgetSettleRetries"/>).</summary>
    public long HeldForRetry => _retries.HeldTokens;

    /// <summary>
    /// The store key of <paramref name="budget"/> for <paramref name="registeredAgent"/>'s calls of
    /// <paramref name="connector"/>: a budget written for "*" is shared by everyone it covers; one for an agent or
    /// connector is its own. The agent and the connector are length-prefixed: neither id may split the other's text.
    /// </summary>
    public static string KeyFor(TokenBudget budget, string tenant, string registeredAgent, string connector) =>
        StoreKeys.Budget(tenant, $"{(budget.Agent == "*" ? "*" : StoreKeys.LengthPrefixed(registeredAgent))}:{(budget.Connector == "*" ? "*" : StoreKeys.LengthPrefixed(connector))}");

    /// <summary>
    /// The reservation of <paramref name="tokens"/> for a call about to be forwarded, or null when no
    /// budget applies. <paramref name="admitted"/> is what the admission reserved: taken up when it
    /// covers the tokens (the rest reserved when it does not), and a refusal at admission stands when
    /// the tokens are no fewer than it refused; otherwise the budget is asked here, as it would have
    /// been without the admission's. The decision is the one a reservation of <paramref name="tokens"/>
    /// alone would get. The result supersedes <paramref name="admitted"/>: the request holds what it
    /// grants, and nothing when it refuses. <paramref name="caller"/> is the caller's tenant id and registered agent (a
    /// delegated child's agent), as the admission keyed its reservation.
    /// </summary>
    public async ValueTask<TokenReservation?> TryReserveAsync(TenantPolicy tenant, (string Tenant, string RegisteredAgent) caller, string connector, long tokens, TokenReservation? admitted, CancellationToken cancellationToken)
    {
        var budget = tenant.BudgetFor(caller.RegisteredAgent, connector);
        var key = budget is null ? null : KeyFor(budget, caller.Tenant, caller.RegisteredAgent, connector);
        TokenReservation? reservation;
        if (admitted is not null && admitted.Key != key)
        {
            // Not this call's budget (never expected: the admission asked for the same connector's).
            if (admitted.Granted)
            {
                await ReleaseAsync(admitted).ConfigureAwait(false);
            }

            admitted = null;
        }

        if (budget is null)
        {
            return null;
        }

        if (admitted is { Granted: true } held)
        {
            if (tokens <= held.Reserved)
            {
                return held;
            }

            var more = await _store.TryReserveAsync(key!, tokens - held.Reserved, budget.Tokens, budget.Window, cancellationToken).ConfigureAwait(false);
            if (!more.Reserved)
            {
                // Refused: the admission's part is given back now (the refusal holds nothing).
                await ReleaseAsync(held).ConfigureAwait(false);
            }

            // Taken up in the admission's slot: where the rest went into a later one (the window ended in between), the settle
            // finds the admission's slot ended and gives nothing back, never a refund the later slot was not charged.
            reservation = more.Reserved ? held with { Reserved = tokens } : new TokenReservation(key!, tokens, budget.Window, false, more.ResetsIn, more.Slot);
        }
        else if (admitted is { } refused && tokens >= refused.Reserved)
        {
            reservation = refused with { Reserved = tokens };
        }
        else
        {
            var outcome = await _store.TryReserveAsync(key!, tokens, budget.Tokens, budget.Window, cancellationToken).ConfigureAwait(false);
            reservation = new TokenReservation(key!, tokens, budget.Window, outcome.Reserved, outcome.ResetsIn, outcome.Slot);
        }

        if (!reservation.Granted)
        {
            _metrics.BudgetRefusals.Add(1);
        }

        return reservation;
    }

    /// <summary>
    /// Settles the reservation against <paramref name="actual"/> use in its slot (nothing once that has ended: the
    /// reservation stands in its window). A settle the store fails never leaves the budget counting less than was spent:
    /// a refund (use at most what was reserved) is not sent again, since a refund whose reply was lost may have been made
    /// and a second would under-count, so the reservation stands whole; use beyond the reservation is held and retried
    /// off the response path (<see cref="BudgetSettleRetries"/>) until the store takes it or the slot ends.
    /// </summary>
    public async ValueTask SettleAsync(TokenReservation reservation, long actual, CancellationToken cancellationToken)
    {
        try
        {
            await _store.SettleAsync(reservation.Key, reservation.Reserved, actual, reservation.Window, reservation.Slot, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException ex)
        {
            var excess = actual - reservation.Reserved;
            _metrics.BudgetSettleFailures.Add(1, new KeyValuePair<string, object?>("held", excess > 0 ? "excess" : "reservation"));
            if (excess > 0)
            {
                LogExcessHeld(_logger, ex, reservation.Key, reservation.Reserved, excess);
                _retries.Add(reservation, excess);
            }
            else
            {
                LogReservationStands(_logger, ex, reservation.Key, reservation.Reserved, actual);
            }
        }
    }

    /// <summary>Gives a reservation back whole (settled to 0): the request it was made for is not forwarded.</summary>
    public ValueTask ReleaseAsync(TokenReservation reservation) => SettleAsync(reservation, 0, CancellationToken.None);

    /// <summary>Stops retrying and sends what is held once more (the host's shutdown).</summary>
    public ValueTask DisposeAsync() => _retries.DisposeAsync();

    public void Dispose() => _retries.Dispose();

    [LoggerMessage(EventId = 3340, Level = LogLevel.Warning, Message = "The settle of budget {Budget} failed: {Excess} tokens used beyond the {Reserved} reserved are held and retried.")]
    private static partial void LogExcessHeld(ILogger logger, Exception exception, string budget, long reserved, long excess);

    [LoggerMessage(EventId = 3341, Level = LogLevel.Warning, Message = "The settle of budget {Budget} failed: the {Reserved} tokens reserved stay counted, though {Used} were used.")]
    private static partial void LogReservationStands(ILogger logger, Exception exception, string budget, long reserved, long used);
}
