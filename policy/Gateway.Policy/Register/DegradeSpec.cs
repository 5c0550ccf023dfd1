namespace Gateway.Policy;

/// <summary>The reduced form a connector runs in on <see cref="DecisionKind.Degrade"/>.</summary>
public sealed record DegradeSpec
{
    /// <summary>Used when a catalog entry declares no degrade form: refuse write verbs.</summary>
    public static readonly DegradeSpec DefaultReadOnly = new() { Mode = DegradeMode.ReadOnly };

    public required DegradeMode Mode { get; init; }

    /// <summary>For <see cref="DegradeMode.Route"/>: the safer route.</summary>
    public DegradeRoute? Route { get; init; }
}
