namespace Gateway.Policy.Authoring;

/// <summary>What <see cref="OpenApiImport"/> made: the catalog entries (YAML, each a list item under <c>catalog:</c>), how many, and what was left out.</summary>
public sealed record OpenApiImportResult(string Yaml, IReadOnlyList<OpenApiSkipped> Skipped, int Entries);

/// <summary>An operation or parameter left out, where (<c>METHOD /path</c>) and why.</summary>
public sealed record OpenApiSkipped(string Where, string Reason);

/// <summary>How <see cref="OpenApiImport"/> writes its entries.</summary>
public sealed record OpenApiImportOptions(string Upstream, string Prefix)
{
    /// <summary>The entries' <c>target_system</c> (default: the prefix).</summary>
    public string? TargetSystem { get; init; }

    /// <summary>The entries' <c>credential</c> (default: <c>none</c>).</summary>
    public string? Credential { get; init; }
}
