using Gateway.Connectors.Kinds;
using Gateway.Connectors.Models;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Telemetry;
using Gateway.Store;

namespace Gateway.Proxy.Admit;

/// <summary>
/// Model-token budgets: the request's maximum tokens are reserved atomically before the call (shared
/// by every replica, so parallel calls can never overspend), then settled against the usage the
/// provider reports. The reservation is asked with the request's admission
/// (<see cref="ForAdmission"/>: one store call decides both), and Enforce takes it up
/// (<see cref="TryReserveAsync"/>); a request that is not forwarded releases it (settled to 0).
/// </summary>
internal sealed class TokenBudgetGate
{
    /// <summary>
    /// A provider-route model body is re-serialised before it is sent, and an OpenAI streamed chat is
    /// asked to report usage (<c>"stream_options":{"include_usage":true}</c>, 40 bytes): the admission
    /// reserves this much beyond the received body, so that the estimate of the body as forwarded
    /// usually fits what was reserved. When it does not, Enforce reserves the rest.
    /// </summary>
    public const int ForwardedBodyAllowance = 64;

    /// <summary>A model request's output-token ceiling (the largest it names, else the default).</summary>
    public static MaxTokensEstimator TokenEstimator { get; } = new();

    private readonly IStateStore _store;
    private readonly GatewayMetrics _metrics;

    public TokenBudgetGate(IStateStore store, GatewayMetrics metrics)
    {
        _store = store;
        _metrics = metrics;
    }

    /// <summary>
    /// What a model call may use, as the admission estimates it (its output ceiling, and the body's length, as Enforce
    /// will estimate it, for its input), or null when the request is no model call.
    /// </summary>
    public static ModelCallEstimate? Estimate(DescribedAction described, int bodyLength)
    {
        if (described.Route is not (GatewayRouteKind.Provider or GatewayRouteKind.Model)
            || described.Request.Tool is not { } tool
            || !described.Tenant.TryGetCatalogEntry(tool, out var entry)
            || entry is null
            || !entry.Type().IsModel)
        {
            return null;
        }

        return new ModelCallEstimate(entry, bodyLength + (described.Route == GatewayRouteKind.Provider ? ForwardedBodyAllowance : 0), TokenEstimator.Estimate(described.ModelRequest));
    }

    /// <summary>The reservation to ask with the admission of <paramref name="call"/>, or null when it is no model call or no budget applies.</summary>
    public static BudgetReservation? ForAdmission(ModelCallEstimate? call, TenantPolicy tenant, AgentIdentity identity) =>
        call is { } model && tenant.BudgetFor(identity.RegisteredAgent, model.Entry.Name) is { } budget
            ? new BudgetReservation(KeyFor(budget, identity, model.Entry.Name), model.Tokens, budget.Tokens, budget.Window)
            : null;

    /// <summary>What the admission made of <paramref name="asked"/> (null when it made nothing).</summary>
    public static TokenReservation? Admitted(BudgetReservation? asked, BudgetOutcome? outcome) =>
        asked is { } reservation && outcome is { } budget
            ? new TokenReservation(reservation.Key, reservation.Amount, reservation.Window, budget.Reserved, budget.ResetsIn)
            : null;

    /// <summary>
    /// The reservation of <paramref name="tokens"/> for a call about to be forwarded, or null when no
    /// budget applies. <paramref name="admitted"/> is what the admission reserved: taken up when it
    /// covers the tokens (the rest reserved when it does not), and a refusal at admission stands when
    /// the tokens are no fewer than it refused; otherwise the budget is asked here, as it would have
    /// been without the admission's. The decision is the one a reservation of <paramref name="tokens"/>
    /// alone would get. The result supersedes <paramref name="admitted"/>: the request holds what it
    /// grants, and nothing when it refuses.
    /// </summary>
    public async ValueTask<TokenReservation?> TryReserveAsync(TenantPolicy tenant, AgentIdentity identity, string connector, long tokens, TokenReservation? admitted, CancellationToken cancellationToken)
    {
        var budget = tenant.BudgetFor(identity.RegisteredAgent, connector);
        var key = budget is null ? null : KeyFor(budget, identity, connector);
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

            reservation = more.Reserved ? held with { Reserved = tokens } : new TokenReservation(key!, tokens, budget.Window, false, more.ResetsIn);
        }
        else if (admitted is { } refused && tokens >= refused.Reserved)
        {
            reservation = refused with { Reserved = tokens };
        }
        else
        {
            var outcome = await _store.TryReserveAsync(key!, tokens, budget.Tokens, budget.Window, cancellationToken).ConfigureAwait(false);
            reservation = new TokenReservation(key!, tokens, budget.Window, outcome.Reserved, outcome.ResetsIn);
        }

        if (!reservation.Granted)
        {
            _metrics.BudgetRefusals.Add(1);
        }

        return reservation;
    }

    /// <summary>Settles the reservation against <paramref name="actual"/> use; a store that fails leaves the reservation standing.</summary>
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

    /// <summary>Gives a reservation back whole (settled to 0): the request it was made for is not forwarded.</summary>
    public ValueTask ReleaseAsync(TokenReservation reservation) => SettleAsync(reservation, 0, CancellationToken.None);

    // A budget written for "*" is shared by everyone it covers; one for an agent or connector is its own.
    private static string KeyFor(TokenBudget budget, AgentIdentity identity, string connector) =>
        StoreKeys.Budget(identity.Tenant, $"{(budget.Agent == "*" ? "*" : identity.RegisteredAgent)}:{(budget.Connector == "*" ? "*" : connector)}");
}

/// <summary>
/// A reservation against a token budget: <see cref="Reserved"/> tokens held under <see cref="Key"/> when
/// <see cref="Granted"/>, else the refusal (the budget resets in <see cref="ResetsIn"/>).
/// </summary>
internal sealed record TokenReservation(string Key, long Reserved, TimeSpan Window, bool Granted, TimeSpan ResetsIn);

/// <summary>
/// What a model call may use, as its admission estimates it: <see cref="InputTokens"/> bounded by the body's length (a
/// token is at least a byte), <see cref="OutputTokens"/> by the output ceiling it asks for.
/// </summary>
internal readonly record struct ModelCallEstimate(CatalogEntry Entry, long InputTokens, long OutputTokens)
{
    /// <summary>Input plus output: what a budget or a run's token limit reserves.</summary>
    public long Tokens => InputTokens + OutputTokens;
}
