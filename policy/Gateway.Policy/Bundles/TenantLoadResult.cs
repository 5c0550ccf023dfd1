namespace Gateway.Policy.Bundles;

/// <summary>The outcome of parsing one tenant file.</summary>
public sealed record TenantLoadResult
{
    public TenantPolicy? Tenant { get; init; }

    public required IReadOnlyList<BundleError> Errors { get; init; }
}
