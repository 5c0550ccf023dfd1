using System.Text.Json;

namespace Gateway.Connectors.Models;

/// <summary>
/// The output-token ceiling of a model request for budget reservation: its <c>max_tokens</c>,
/// <c>max_completion_tokens</c> or <c>max_output_tokens</c>, else the configured default, times the answers it asks for
/// (<c>n</c>, <c>best_of</c>); never above <see cref="MaxCeiling"/>.
/// </summary>
public sealed class MaxTokensEstimator
{
    /// <summary>Member names read, in order.</summary>
    public static IReadOnlyList<string> MemberNames { get; } = ["max_tokens", "max_completion_tokens", "max_output_tokens"];

    /// <summary>
    /// The ceilings <paramref name="api"/> itself reads (chat completions: <c>max_tokens</c>, <c>max_completion_tokens</c>;
    /// legacy completions: <c>max_tokens</c>; responses: <c>max_output_tokens</c>; Anthropic messages: <c>max_tokens</c>); every one of <see cref="MemberNames"/>
    /// when the API is not known. A ceiling the API does not read holds nothing back: it is no ceiling.
    /// </summary>
    public static IReadOnlyList<string> MemberNamesFor(ModelApi? api) => api switch
    {
        ModelApi.OpenAIChatCompletions => ChatCompletionsNames,
        ModelApi.OpenAICompletions => CompletionsNames,
        ModelApi.OpenAIResponses => ResponsesNames,
        ModelApi.AnthropicMessages => AnthropicNames,
        _ => MemberNames,
    };

    private static readonly string[] ChatCompletionsNames = ["max_tokens", "max_completion_tokens"];
    private static readonly string[] CompletionsNames = ["max_tokens"];
    private static readonly string[] ResponsesNames = ["max_output_tokens"];
    private static readonly string[] AnthropicNames = ["max_tokens"];

    /// <summary>
    /// The largest ceiling an estimate gives (2^40 tokens, beyond any model's output): a request naming more is reserved at
    /// this, so that a ceiling plus a body's length never overflows and stays within what a store reserves.
    /// </summary>
    public const long MaxCeiling = 1L << 40;

    /// <summary>The ceiling reserved for a request that names none (it is forwarded as sent; what it spends is settled).</summary>
    public const int DefaultCeiling = 4096;

    /// <summary>The ceiling <paramref name="api"/> reads that a route's cap is written as: chat completions' <c>max_completion_tokens</c>, a response's <c>max_output_tokens</c>, else <c>max_tokens</c>.</summary>
    public static string OwnMemberName(ModelApi api) => api switch
    {
        ModelApi.OpenAIResponses => "max_output_tokens",
        ModelApi.AnthropicMessages or ModelApi.OpenAICompletions => "max_tokens",
        _ => "max_completion_tokens",
    };

    public MaxTokensEstimator(int defaultMaxTokens = DefaultCeiling)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(defaultMaxTokens);
        DefaultMaxTokens = defaultMaxTokens;
    }

    /// <summary>Used when the request names no ceiling.</summary>
    public int DefaultMaxTokens { get; }

    /// <summary>The request's ceiling (the largest named one, at most <see cref="MaxCeiling"/>), or <see cref="DefaultMaxTokens"/>.</summary>
    public long Estimate(ReadOnlySpan<byte> requestBody)
    {
        try
        {
            using var document = JsonDocument.Parse(requestBody.ToArray());
            return Estimate(document.RootElement);
        }
        catch (JsonException)
        {
            return DefaultMaxTokens;
        }
    }

    /// <summary>
    /// The request's ceiling, or <see cref="DefaultMaxTokens"/>, times the answers it asks for (<c>n</c> or <c>best_of</c>,
    /// the larger): a number written <c>1e5</c> or <c>100000.0</c> counts as the integer it rounds up to, as a provider
    /// reads it.
    /// </summary>
    public long Estimate(JsonElement request) => Estimate(request, null);

    /// <summary>As <see cref="Estimate(JsonElement)"/>, reading only the ceilings <paramref name="api"/> reads (<see cref="MemberNamesFor"/>).</summary>
    public long Estimate(JsonElement request, ModelApi? api)
    {
        long? found = null;
        long answers = 1;
        if (request.ValueKind == JsonValueKind.Object)
        {
            foreach (var name in MemberNamesFor(api))
            {
                if (request.TryGetProperty(name, out var value) && PositiveCount(value) is { } n)
                {
                    found = Math.Max(found ?? 0, n);
                }
            }

            foreach (var name in (ReadOnlySpan<string>)["n", "best_of"])
            {
                if (request.TryGetProperty(name, out var value) && PositiveCount(value) is { } n)
                {
                    answers = Math.Max(answers, n);
                }
            }
        }

        var ceiling = found ?? DefaultMaxTokens;
        return answers > MaxCeiling / ceiling ? MaxCeiling : ceiling * answers;
    }

    // A positive number, rounded up, at most MaxCeiling; null for anything else.
    private static long? PositiveCount(JsonElement value) =>
        value.ValueKind != JsonValueKind.Number ? null
        : value.TryGetInt64(out var whole) ? (whole > 0 ? Math.Min(whole, MaxCeiling) : null)
        : value.TryGetDouble(out var real) && real > 0 && double.IsFinite(real) ? (long)Math.Min(Math.Ceiling(real), MaxCeiling)
        : null;
}
