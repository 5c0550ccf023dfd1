using Gateway.Policy;

namespace Gateway.Connectors.Models;

/// <summary>Tokens a model call used (input includes cached/prompt tokens; output includes reasoning tokens).</summary>
/// <param name="InputTokens">Prompt / input tokens.</param>
/// <param name="OutputTokens">Completion / output tokens.</param>
public sealed record ModelUsage(long InputTokens, long OutputTokens)
{
    /// <summary>The prompt-cache writes and reads among <see cref="InputTokens"/> (Anthropic's), each priced apart; none by default.</summary>
    public PromptCacheTokens Cache { get; init; }

    /// <summary>Input plus output.</summary>
    public long TotalTokens => InputTokens + OutputTokens;

    /// <summary>What the call cost at <paramref name="pricing"/> (a flat price: <see cref="ModelPricing.For"/>), its cache tokens at their prices.</summary>
    public long CostMicros(ModelPricing pricing) => pricing.CostMicros(InputTokens, OutputTokens, Cache);
}
