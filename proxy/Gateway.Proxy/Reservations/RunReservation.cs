using Gateway.Policy;

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

    /// <summary>The pricing the cost was reckoned with (and is settled with).</summary>
    public ModelPricing? Pricing { get; init; }

    /// <summary>The intent's count in the run, for the loop detection; null when the agent's limits detect no loop.</summary>
    public RunActivity? Activity { get; init; }

    /// <summary>True when tokens or cost are held, to be settled.</summary>
    public bool HoldsSpend => TokensKey is not null || CostKey is not null;
}
