namespace Gateway.Policy;

/// <summary>
/// Matches a declared request target: kind (null = any) and a value glob (<c>*</c>, <c>?</c>), compared
/// case-insensitively in the canonical spelling of the target's kind (<see cref="ValueForms"/>: url, host and path
/// targets are normalised, other kinds compared as written).
/// </summary>
public sealed record TargetCondition
{
    public TargetKind? Kind { get; init; }

    public required string Value { get; init; }
}
