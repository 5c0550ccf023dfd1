using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Reservations;

/// <summary>
/// What a request's admission counted and reserved in the run it acts in (the Admit stage's <c>Admission.Run</c>): its action, its
/// model tokens and cost (held until the Respond stage settles them against the usage the provider reports, or gives them
/// back when nothing was forwarded: <see cref="RunCounters.SettleAsync"/>), and how often its intent has occurred in the
/// run, which the decision reads (<see cref="Activity"/>).
/// </summary>
/// <param name="RunId">The run.</param>
internal sealed record RunReservation(string RunId)
{
    /// <summary>The run's token counter, when the admission reserved <see cref="Tokens"/> in it; else null.</summary>
    public string? TokensKey { get; init; }

    /// <summary>The model tokens reserved (the call's estimate).</summary>
    public long Tokens { get; init; }

    /// <summary>The run's cost counter, when the admission reserved <see cref="CostMicros"/> in it; else null.</summary>
    public string? CostKey { get; init; }

    /// <summary>The cost reserved, in micro-units of the pricing's currency.</summary>
    public long CostMicros { get; init; }

    /// <summary>The price of the model the call names (its cost was reserved at the dearer of it and its connector's route model's).</summary>
    public ModelPricing? Pricing { get; init; }

    /// <summary>The price of the model a <c>route</c> degrade sent the call to instead (the Enforce stage sets it); null when it was not routed.</summary>
    public ModelPricing? RoutedPricing { get; set; }

    /// <summary>The pricing the call's cost is settled at: the model's it ran (<see cref="RoutedPricing"/>, else <see cref="Pricing"/>).</summary>
    public ModelPricing? SettledPricing => RoutedPricing ?? Pricing;

    /// <summary>The intent's count in the run, for the loop detection; null when the agent's limits detect no loop.</summary>
    public RunActivity? Activity { get; init; }

    /// <summary>True when tokens or cost are held, to be settled.</summary>
    public bool HoldsSpend => TokensKey is not null || CostKey is not null;

    /// <summary>
    /// Settles the cost held for a call a <c>route</c> degrade sent to <paramref name="routed"/> at that model's price
    /// (<see cref="RoutedPricing"/>); the refusal, 403 <c>model_not_priced</c>, when <paramref name="entry"/>'s pricing does
    /// not price it; null when no cost is held.
    /// </summary>
    public Refusal? RouteTo(CatalogEntry entry, string? routed)
    {
        if (CostKey is null || entry.Pricing is not { } pricing)
        {
            return null;
        }

        if (pricing.For(routed) is not { } priced)
        {
            return NotPriced(entry, routed);
        }

        RoutedPricing = priced;
        return null;
    }

    /// <summary>The refusal of a call whose model the connector's pricing does not price, under a cost limit: what it spends could not be counted.</summary>
    public static Refusal NotPriced(CatalogEntry entry, string? model) =>
        new(StatusCodes.Status403Forbidden, ProblemCodes.ModelNotPriced,
            (model is null ? "The request names no model" : $"The model '{RefusalText.Truncate(model)}'")
            + $" has no price on connector '{entry.Name}' (its pricing does not list it and gives no flat price), and this run's cost is limited: what it costs could not be counted. Nothing was forwarded.")
        {
            AuditTool = entry.Name,
        };
}
