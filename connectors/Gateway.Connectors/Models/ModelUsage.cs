namespace Gateway.Connectors.Models;

/// <summary>Tokens a model call used (input includes cached/prompt tokens; output includes reasoning tokens).</summary>
/// <param name="InputTokens">Prompt / input tokens.</param>
/// <param name="OutputTokens">Completion / output tokens.</param>
public sealed record ModelUsage(long InputTokens, long OutputTokens)
{
    /// <summary>Input plus output.</summary>
    public long TotalTokens => InputTokens + OutputTokens;
}
