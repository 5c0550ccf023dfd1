using System.Text.RegularExpressions;

namespace Gateway.Policy;

/// <summary>
/// Matches a request argument at a JSON path (<c>$.to</c>, <c>$.items[0].sku</c>) by exactly one of
/// <see cref="EqualsValue"/>, <see cref="Glob"/> or <see cref="Regex"/>. A missing argument never matches.
/// </summary>
public sealed record ArgumentCondition
{
    public required string Path { get; init; }

    /// <summary>Exact value: strings compare by value, other JSON by raw text.</summary>
    public string? EqualsValue { get; init; }

    public string? Glob { get; init; }

    /// <summary>Compiled at load with <see cref="RegexOptions.NonBacktracking"/> (no catastrophic backtracking).</summary>
    public Regex? Regex { get; init; }
}
