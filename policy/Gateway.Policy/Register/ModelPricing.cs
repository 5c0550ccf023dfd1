namespace Gateway.Policy;

/// <summary>
/// What a model connector's tokens cost (<c>pricing</c> on an <c>openai</c> or <c>anthropic</c> catalog entry), per 1,000
/// input and output tokens, in <see cref="Currency"/> (one currency per tenant file). A run's <c>cost</c> limit is counted
/// with it in micro-units (<see cref="MicrosPerUnit"/> to the currency unit), each request's cost rounded up.
/// </summary>
public sealed record ModelPricing
{
    /// <summary>Micro-units to one unit of the currency: the store counts cost in whole micro-units.</summary>
    public const long MicrosPerUnit = 1_000_000;

    /// <summary>The currency the prices are in: three uppercase letters (<c>USD</c>, <c>EUR</c>).</summary>
    public required string Currency { get; init; }

    /// <summary>The price of 1,000 input (prompt) tokens.</summary>
    public required decimal InputPer1KTokens { get; init; }

    /// <summary>The price of 1,000 output (completion) tokens.</summary>
    public required decimal OutputPer1KTokens { get; init; }

    /// <summary>What <paramref name="inputTokens"/> and <paramref name="outputTokens"/> cost, in micro-units, rounded up.</summary>
    public long CostMicros(long inputTokens, long outputTokens) =>
        ToMicros(((Math.Max(0, inputTokens) * InputPer1KTokens) + (Math.Max(0, outputTokens) * OutputPer1KTokens)) / 1000m, MidpointRounding.ToPositiveInfinity);

    /// <summary>An amount of the currency in micro-units, rounded as asked (up for what is spent, down for a limit).</summary>
    public static long ToMicros(decimal amount, MidpointRounding rounding)
    {
        var micros = decimal.Round(amount * MicrosPerUnit, 0, rounding);
        return micros >= long.MaxValue ? long.MaxValue : (long)micros;
    }

    /// <summary>Micro-units as an amount of the currency (<c>1.25</c>), for explanations.</summary>
    public static decimal FromMicros(long micros) => micros / (decimal)MicrosPerUnit;
}
