namespace Gateway.Policy.Bundles;

/// <summary>The outcome of loading a bundle: a set when there were no errors, otherwise every error found.</summary>
public sealed record BundleLoadResult
{
    public PolicySet? Set { get; init; }

    public required IReadOnlyList<BundleError> Errors { get; init; }

    public bool Succeeded => Set is not null && Errors.Count == 0;
}
