namespace Gateway.Policy;

/// <summary>
/// What a model connector's tokens cost (<c>pricing</c> on an <c>openai</c> or <c>anthropic</c> catalog entry), per 1,000
/// input and output tokens, in <see cref="Currency"/> (one currency per tenant file): a flat price for every model
/// (<see cref="InputPer1KTokens"/>, <see cref="OutputPer1KTokens"/>), a price per model named (<see cref="Models"/>), or
/// both. A run's <c>cost</c> limit is counted with the price of the model a call names (<see cref="For"/>) in micro-units
/// (<see cref="MicrosPerUnit"/> to the currency unit), each request's cost rounded up. Anthropic's prompt-cache tokens take
/// their own prices: a 5-minute cache write <see cref="CacheWriteMultiplier"/>, a 1-hour one <see cref="CacheWriteOneHourMultiplier"/>
/// and a cache read <see cref="CacheReadMultiplier"/> times the input price, unless the pricing names them.
/// </summary>
public sealed record ModelPricing
{
    /// <summary>Micro-units to one unit of the currency: the store counts cost in whole micro-units.</summary>
    public const long MicrosPerUnit = 1_000_000;

    /// <summary>A 5-minute prompt-cache write's price, as a multiple of the input price, when the pricing names none.</summary>
    public const decimal CacheWriteMultiplier = 1.25m;

    /// <summary>A 1-hour prompt-cache write's price, as a multiple of the input price, when the pricing names none.</summary>
    public const decimal CacheWriteOneHourMultiplier = 2m;

    /// <summary>A prompt-cache read's price, as a multiple of the input price, when the pricing names none.</summary>
    public const decimal CacheReadMultiplier = 0.1m;

    /// <summary>The currency the prices are in: three uppercase letters (<c>USD</c>, <c>EUR</c>).</summary>
    public required string Currency { get; init; }

    /// <summary>The flat price of 1,000 input (prompt) tokens, for a model <see cref="Models"/> does not list; null when there is none.</summary>
    public decimal? InputPer1KTokens { get; init; }

    /// <summary>The flat price of 1,000 output (completion) tokens, for a model <see cref="Models"/> does not list; null when there is none.</summary>
    public decimal? OutputPer1KTokens { get; init; }

    /// <summary>The flat price of 1,000 tokens written to a 5-minute prompt cache; null: <see cref="CacheWriteMultiplier"/> times the input price.</summary>
    public decimal? CacheWritePer1KTokens { get; init; }

    /// <summary>The flat price of 1,000 tokens written to a 1-hour prompt cache; null: <see cref="CacheWriteOneHourMultiplier"/> times the input price.</summary>
    public decimal? CacheWriteOneHourPer1KTokens { get; init; }

    /// <summary>The flat price of 1,000 tokens read from a prompt cache; null: <see cref="CacheReadMultiplier"/> times the input price.</summary>
    public decimal? CacheReadPer1KTokens { get; init; }

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
            ? listed.AsFlatPricing(Currency)
            : HasFlatPrice
                ? Models.Count == 0 ? this : this with { Models = new Dictionary<string, ModelTokenPrice>(StringComparer.Ordinal) }
                : null;

    /// <summary>
    /// What <paramref name="inputTokens"/> and <paramref name="outputTokens"/> cost at the flat price, in micro-units, rounded
    /// up; a pricing with no flat price (<see cref="For"/> gives each model's) prices nothing and throws.
    /// </summary>
    public long CostMicros(long inputTokens, long outputTokens) => CostMicros(inputTokens, outputTokens, default);

    /// <summary>
    /// As <see cref="CostMicros(long, long)"/>, with the part of <paramref name="inputTokens"/> that <paramref name="cache"/>
    /// counts priced at the prompt cache's prices (at least 0 tokens left at the input price).
    /// </summary>
    public long CostMicros(long inputTokens, long outputTokens, PromptCacheTokens cache)
    {
        if (InputPer1KTokens is not { } input || OutputPer1KTokens is not { } output)
        {
            throw new InvalidOperationException("This pricing lists models only: price a call with For(model) first.");
        }

        var (written, writtenOneHour, read) = (Math.Max(0, cache.WrittenTokens), Math.Max(0, cache.WrittenOneHourTokens), Math.Max(0, cache.ReadTokens));
        var plain = Math.Max(0, Math.Max(0, inputTokens) - written - writtenOneHour - read);
        var amount = (plain * input) + (Math.Max(0, outputTokens) * output)
            + (written * (CacheWritePer1KTokens ?? input * CacheWriteMultiplier))
            + (writtenOneHour * (CacheWriteOneHourPer1KTokens ?? input * CacheWriteOneHourMultiplier))
            + (read * (CacheReadPer1KTokens ?? input * CacheReadMultiplier));
        return ToMicros(amount / 1000m, MidpointRounding.ToPositiveInfinity);
    }

    /// <summary>
    /// The most <paramref name="inputTokens"/> and <paramref name="outputTokens"/> can cost when a prompt cache may take any part
    /// of the input (Anthropic's): the input priced at the dearest of its own, the cache writes' and the cache read's prices,
    /// in micro-units, rounded up; no settlement (<see cref="CostMicros(long, long, PromptCacheTokens)"/>) exceeds it.
    /// </summary>
    public long ReserveMicros(long inputTokens, long outputTokens)
    {
        if (InputPer1KTokens is not { } input || OutputPer1KTokens is not { } output)
        {
            throw new InvalidOperationException("This pricing lists models only: price a call with For(model) first.");
        }

        var dearest = Math.Max(Math.Max(input, CacheReadPer1KTokens ?? input * CacheReadMultiplier),
            Math.Max(CacheWritePer1KTokens ?? input * CacheWriteMultiplier, CacheWriteOneHourPer1KTokens ?? input * CacheWriteOneHourMultiplier));
        return ToMicros(((Math.Max(0, inputTokens) * dearest) + (Math.Max(0, outputTokens) * output)) / 1000m, MidpointRounding.ToPositiveInfinity);
    }

    /// <summary>An amount of the currency in micro-units, rounded as asked (up for what is spent, down for a limit).</summary>
    public static long ToMicros(decimal amount, MidpointRounding rounding)
    {
        var micros = decimal.Round(amount * MicrosPerUnit, 0, rounding);
        return micros >= long.MaxValue ? long.MaxValue : (long)micros;
    }

    /// <summary>Micro-units as an amount of the currency (<c>1.25</c>), for explanations.</summary>
    public static decimal FromMicros(long micros) => micros / (decimal)MicrosPerUnit;
}

/// <summary>
/// One model's price (<c>pricing.models.&lt;model&gt;</c>) of 1,000 input and 1,000 output tokens, and of 1,000 prompt-cache
/// tokens when it names them (null: the <see cref="ModelPricing"/> multiple of its input price).
/// </summary>
/// <param name="InputPer1KTokens">The price of 1,000 input (prompt) tokens.</param>
/// <param name="OutputPer1KTokens">The price of 1,000 output (completion) tokens.</param>
public readonly record struct ModelTokenPrice(decimal InputPer1KTokens, decimal OutputPer1KTokens)
{
    /// <summary>The price of 1,000 tokens written to a 5-minute prompt cache; null when the model's pricing names none.</summary>
    public decimal? CacheWritePer1KTokens { get; init; }

    /// <summary>The price of 1,000 tokens written to a 1-hour prompt cache; null when the model's pricing names none.</summary>
    public decimal? CacheWriteOneHourPer1KTokens { get; init; }

    /// <summary>The price of 1,000 tokens read from a prompt cache; null when the model's pricing names none.</summary>
    public decimal? CacheReadPer1KTokens { get; init; }

    /// <summary>This price as a flat <see cref="ModelPricing"/> in <paramref name="currency"/> (listing no model), as <see cref="ModelPricing.For"/> gives it.</summary>
    public ModelPricing AsFlatPricing(string currency) => new()
    {
        Currency = currency,
        InputPer1KTokens = InputPer1KTokens,
        OutputPer1KTokens = OutputPer1KTokens,
        CacheWritePer1KTokens = CacheWritePer1KTokens,
        CacheWriteOneHourPer1KTokens = CacheWriteOneHourPer1KTokens,
        CacheReadPer1KTokens = CacheReadPer1KTokens,
    };
}
