namespace Gateway.Policy;

/// <summary>
/// The prompt-cache tokens among a model call's input (Anthropic's <c>usage</c>), each priced apart
/// (<see cref="ModelPricing.CostMicros(long, long, PromptCacheTokens)"/>); all 0 when none was reported.
/// </summary>
/// <param name="WrittenTokens">Tokens written to a 5-minute cache (a write not reported as a 1-hour one).</param>
/// <param name="WrittenOneHourTokens">Tokens written to a 1-hour cache.</param>
/// <param name="ReadTokens">Tokens read from the cache.</param>
public readonly record struct PromptCacheTokens(long WrittenTokens, long WrittenOneHourTokens, long ReadTokens);
