using System.Text.RegularExpressions;

namespace Gateway.Policy;

/// <summary>
/// Matches a request argument at a JSON path (<c>$.to</c>, <c>$.items[0].sku</c>) by exactly one of
/// <see cref="EqualsValue"/>, <see cref="Glob"/>, <see cref="Regex"/> or <see cref="NotIn"/>. A missing argument
/// never matches; an array argument matches when any of its elements does (so wrapping a value in a list never
/// evades a rule). Globs compare case-insensitively the canonical spellings of the kind of value the glob's shape
/// names (<see cref="ValueForms"/>): <c>*@gmail.com</c> matches <c>x@GMAIL.com.</c>, <c>Name &lt;x@gmail.com&gt;</c>
/// and any address of the list <c>ok@example.com, x@gmail.com</c>.
/// </summary>
public sealed record ArgumentCondition
{
    public required string Path { get; init; }

    /// <summary>Exact value: strings compare by value, other JSON by raw text.</summary>
    public string? EqualsValue { get; init; }

    public string? Glob { get; init; }

    /// <summary>Compiled at load with <see cref="RegexOptions.NonBacktracking"/> (no catastrophic backtracking).</summary>
    public Regex? Regex { get; init; }

    /// <summary>An allowlist of globs: matches when the argument (or any element of it) matches none of them.</summary>
    public IReadOnlyList<string>? NotIn { get; init; }
}
