namespace Gateway.Policy;

/// <summary>Matches a declared request target: kind (null = any) and a value glob (<c>*</c>, <c>?</c>).</summary>
public sealed record TargetCondition
{
    public TargetKind? Kind { get; init; }

    public required string Value { get; init; }
}
