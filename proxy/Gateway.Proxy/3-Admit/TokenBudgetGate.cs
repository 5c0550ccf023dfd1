using Gateway.Connectors.Kinds;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Reservations;
using Gateway.Store;

namespace Gateway.Proxy.Admit;

/// <summary>
/// A model call's token budget at its admission: what the call may use (<see cref="Estimate"/>) is reserved with the
/// request's admission (<see cref="ForAdmission"/>: one store call decides both), and what the admission made of it
/// (<see cref="Admitted"/>) is the <see cref="Admission.Reservation"/> that Enforce takes up and Respond settles through
/// <see cref="TokenBudgets"/>.
/// </summary>
internal static class TokenBudgetGate
{
    /// <summary>
    /// A provider-route model body is re-serialised before it is sent, and an OpenAI streamed chat is
    /// asked to report usage (<c>"stream_options":{"include_usage":true}</c>, 40 bytes): the admission
    /// reserves this much beyond the received body, so that the estimate of the body as forwarded
    /// usually fits what was reserved. When it does not, Enforce reserves the rest.
    /// </summary>
    public const int ForwardedBodyAllowance = 64;

    /// <summary>
    /// What a model call may use, as the admission estimates it (its output ceiling, and the body's length, as Enforce
    /// will estimate it, for its input), or null when the request is no model call.
    /// </summary>
    public static ModelCallEstimate? Estimate(DescribedAction described, int bodyLength)
    {
        if (!described.CarriesModelRequest
            || described.Request.Tool is not { } tool
            || !described.Tenant.TryGetCatalogEntry(tool, out var entry)
            || entry is null
            || !entry.Type().IsModel)
        {
            return null;
        }

        return new ModelCallEstimate(entry, bodyLength + (described.PassesBodyThrough ? ForwardedBodyAllowance : 0), TokenBudgets.TokenEstimator.Estimate(described.ModelRequest, described.ModelApiOf(entry)));
    }

    /// <summary>The reservation to ask with the admission of <paramref name="call"/>, or null when it is no model call or no budget applies.</summary>
    public static BudgetReservation? ForAdmission(ModelCallEstimate? call, TenantPolicy tenant, AgentIdentity identity) =>
        call is { } model && tenant.BudgetFor(identity.RegisteredAgent, model.Entry.Name) is { } budget
            ? new BudgetReservation(TokenBudgets.KeyFor(budget, identity.Tenant, identity.RegisteredAgent, model.Entry.Name), model.Tokens, budget.Tokens, budget.Window)
            : null;

    /// <summary>What the admission made of <paramref name="asked"/> (null when it made nothing).</summary>
    public static TokenReservation? Admitted(BudgetReservation? asked, BudgetOutcome? outcome) =>
        asked is { } reservation && outcome is { } budget
            ? new TokenReservation(reservation.Key, reservation.Amount, reservation.Window, budget.Reserved, budget.ResetsIn, budget.Slot)
            : null;
}

/// <summary>
/// What a model call may use, as its admission estimates it: <see cref="InputTokens"/> bounded by the body's length (a
/// token is at least a byte), <see cref="OutputTokens"/> by the output ceiling it asks for.
/// </summary>
internal readonly record struct ModelCallEstimate(CatalogEntry Entry, long InputTokens, long OutputTokens)
{
    /// <summary>Input plus output: what a budget or a run's token limit reserves.</summary>
    public long Tokens => InputTokens + OutputTokens;
}
