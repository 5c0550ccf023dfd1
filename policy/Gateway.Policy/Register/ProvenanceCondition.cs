namespace Gateway.Policy;

/// <summary>Matches a declared provenance entry: its argument path (glob, null = any) and source (any of).</summary>
public sealed record ProvenanceCondition
{
    public string? ArgPath { get; init; }

    public required IReadOnlyList<ProvenanceSource> Sources { get; init; }
}
