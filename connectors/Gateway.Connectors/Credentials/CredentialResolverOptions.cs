namespace Gateway.Connectors.Credentials;

/// <summary>How long resolved credentials are cached.</summary>
public sealed record CredentialResolverOptions
{
    /// <summary>The longest a vault credential may be cached (<see cref="VaultCacheTtl"/>): a revocation through another replica is bounded by it.</summary>
    public static readonly TimeSpan MaxVaultCacheTtl = TimeSpan.FromSeconds(30);

    /// <summary>How long a vault credential is used without reading the store again: the bound on a revocation or rotation through another replica (zero: read at each use).</summary>
    public TimeSpan VaultCacheTtl { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a file credential is served without checking the file again (a Kubernetes secret update is picked up after this).</summary>
    public TimeSpan FileCacheTtl { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The credentials root: a tenant's <c>file:</c> credentials must lie in <c>&lt;root&gt;/&lt;tenant&gt;/</c>
    /// (see <see cref="CredentialFileConfinement"/>). Null: <c>file:</c> credentials are refused.
    /// </summary>
    public string? CredentialsRoot { get; init; }

    /// <summary>Largest credential file read.</summary>
    public int MaxFileBytes { get; init; } = 64 * 1024;

    /// <summary>Every problem (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (VaultCacheTtl < TimeSpan.Zero || VaultCacheTtl > MaxVaultCacheTtl)
        {
            errors.Add($"vault cache TTL must be between 0 and {MaxVaultCacheTtl.TotalSeconds} seconds.");
        }

        if (FileCacheTtl < TimeSpan.Zero || FileCacheTtl > TimeSpan.FromMinutes(10))
        {
            errors.Add("file cache TTL must be between 0 and 10 minutes.");
        }

        if (CredentialsRoot is not null && !Path.IsPathFullyQualified(CredentialsRoot))
        {
            errors.Add("credentials root must be an absolute path.");
        }

        if (MaxFileBytes is <= 0 or > 1024 * 1024)
        {
            errors.Add("max file bytes must be between 1 and 1 MiB.");
        }

        return errors;
    }
}
