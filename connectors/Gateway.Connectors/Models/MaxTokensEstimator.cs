using System.Text.Json;

namespace Gateway.Connectors.Models;

/// <summary>
/// The output-token ceiling of a model request for budget reservation: its <c>max_tokens</c>,
/// <c>max_completion_tokens</c> or <c>max_output_tokens</c>, else the configured default; never above <see cref="MaxCeiling"/>.
/// </summary>
public sealed class MaxTokensEstimator
{
    /// <summary>Member names read, in order.</summary>
    public static IReadOnlyList<string> MemberNames { get; } = ["max_tokens", "max_completion_tokens", "max_output_tokens"];

    /// <summary>
    /// The largest ceiling an estimate gives (2^40 tokens, beyond any model's output): a request naming more is reserved at
    /// this, so that a ceiling plus a body's length never overflows and stays within what a store reserves.
    /// </summary>
    public const long MaxCeiling = 1L << 40;

    public MaxTokensEstimator(int defaultMaxTokens = 4096)
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

    /// <summary>The request's ceiling, or <see cref="DefaultMaxTokens"/>.</summary>
    public long Estimate(JsonElement request)
    {
        long? found = null;
        if (request.ValueKind == JsonValueKind.Object)
        {
            foreach (var name in MemberNames)
            {
                if (request.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n > 0)
                {
                    found = Math.Max(found ?? 0, Math.Min(n, MaxCeiling));
                }
            }
        }

        return found ?? DefaultMaxTokens;
    }
}
