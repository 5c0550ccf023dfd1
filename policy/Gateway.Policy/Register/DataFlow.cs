namespace Gateway.Policy;

/// <summary>A documented data flow: this agent (or <c>*</c>) may move these classes through this tool.</summary>
public sealed record DataFlow
{
    /// <summary>Agent id or <c>*</c> for every agent.</summary>
    public required string Agent { get; init; }

    /// <summary>Catalog name of the tool (the destination).</summary>
    public required string Tool { get; init; }

    public required DataClassSet DataClasses { get; init; }
}
