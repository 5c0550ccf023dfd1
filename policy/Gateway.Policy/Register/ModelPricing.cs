namespace Gateway.Policy;

/// <summary>
/// What a model connector's tokens cost (<c>pricing</c> on an <c>openai</c> or <c>anthropic</c> catalog entry), per 1,000
/// input and output tokens, in <see cref="Currency"/> (one currency per tenant file): a flat price for every model
/// (<see cref="InputPer1KTokens"/>, <see cref="OutputPer1KTokens"/>), a price per model named (<see cref="Models"/>), or
/// both. A run's <c>cost</c> limit is counted with the price of the model a call names (<see cref="For"/>) in micro-units
/// (<see cref="MicrosPerUnit"/> to the currency unit), each request's cost rounded up.
/// </summary>
public sealed record ModelPricing
{
    /// <summary>Micro-units to one unit of the currency: the store counts cost in whole micro-units.</summary>
    public const long MicrosPerUnit = 1_000_000;

    /// <summary>The currency the prices are in: three uppercase letters (<c>USD</c>, <c>EUR</c>).</summary>
    public required string Currency { get; init; }

    /// <summary>The flat price of 1,000 input (prompt) tokens, for a model <see cref="Models"/> does not list; null when there is none.</summary>
    public decimal? InputPer1KTokens { get; init; }

    /// <summary>The flat price of 1,000 output (completion) tokens, for a model <see cref="Models"/> does not list; null when there is none.</summary>
    public decimal? OutputPer1KTokens { get; init; }

    /// <summary>The prices of the models named (<c>pricing.models</c>), by the exact name a request's <c>model</c> gives; empty when none is.</summary>
    public IReadOnlyDictionary<string, ModelTokenPrice> Models { get; init; } = new Dictionary<string, ModelTokenPrice>(StringComparer.Ordinal);

    /// <summary>True when a model <see cref="Models"/> does not list takes a flat price.</summary>
    public bool HasFlatPrice => InputPer1KTokens is not null && OutputPer1KTokens is not null;

    /// <summary>
    /// The pricing of a call naming <paramref name="model"/> (null: it names none), as one flat price: the price
    /// <see cref="Models"/> lists for it by its exact name, else the flat price; null when neither prices it.
    /// </summary>
    public ModelPricing? For(string? model) =>
        model is not null && Models.TryGetValue(model, out var listed)
            ? new ModelPricing { Currency = Currency, InputPer1KTokens = listed.InputPer1KTokens, OutputPer1KTokens = listed.OutputPer1KTokens }
            : HasFlatPrice
                ? Models.Count == 0 ? this : new ModelPricing { Currency = Currency, InputPer1KTokens = InputPer1KTokens, OutputPer1KTokens = OutputPer1KTokens }
                : null;

    /// <summary>
    /// What <paramref name="inputTokens"/> and <paramref name="outputTokens"/> cost at the flat price, in micro-units, rounded
    /// up; a pricing with no flat price (<see cref="For"/> gives each model's) prices nothing and throws.
    /// </summary>
    public long CostMicros(long inputTokens, long outputTokens) => InputPer1KTokens is { } input && OutputPer1KTokens is { } output
        ? ToMicros(((Math.Max(0, inputTokens) * input) + (Math.Max(0, outputTokens) * output)) / 1000m, MidpointRounding.ToPositiveInfinity)
        : throw new InvalidOperationException("This pricing lists models only: price a call with For(model) first.");

    /// <summary>An amount of the currency in micro-units, rounded as asked (up for what is spent, down for a limit).</summary>
    public static long ToMicros(decimal amount, MidpointRounding rounding)
    {
        var micros = decimal.Round(amount * MicrosPerUnit, 0, rounding);
        return micros >= long.MaxValue ? long.MaxValue : (long)micros;
    }

    /// <summary>Micro-units as an amount of the currency (<c>1.25</c>), for explanations.</summary>
    public static decimal FromMicros(long micros) => micros / (decimal)MicrosPerUnit;
}

/// <summary>One model's price (<c>pricing.models.&lt;model&gt;</c>) of 1,000 input and 1,000 output tokens.</summary>
/// <param name="InputPer1KTokens">The price of 1,000 input (prompt) tokens.</param>
/// <param name="OutputPer1KTokens">The price of 1,000 output (completion) tokens.</param>
public readonly record struct ModelTokenPrice(decimal InputPer1KTokens, decimal OutputPer1KTokens);
