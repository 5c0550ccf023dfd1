using System.Collections.Frozen;

namespace Gateway.Policy;

/// <summary>
/// All tenants' policies. Immutable: the host swaps a whole <see cref="PolicySet"/> atomically on reload.
/// </summary>
public sealed class PolicySet
{
    private readonly FrozenDictionary<string, TenantPolicy> _tenants;

    private PolicySet(FrozenDictionary<string, TenantPolicy> tenants, DateTimeOffset loadedAt, string? source)
    {
        _tenants = tenants;
        LoadedAt = loadedAt;
        Source = source;
    }

    /// <summary>Tenants by slug.</summary>
    public IReadOnlyDictionary<string, TenantPolicy> Tenants => _tenants;

    /// <summary>When the set was built (from the loader's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>The bundle directory, when loaded from disk.</summary>
    public string? Source { get; }

    /// <summary>Builds a set; slugs must be unique.</summary>
    public static PolicySet Create(IEnumerable<TenantPolicy> tenants, DateTimeOffset loadedAt = default, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        return new PolicySet(tenants.ToFrozenDictionary(t => t.Slug, StringComparer.Ordinal), loadedAt, source);
    }

    public bool TryGetTenant(string slug, out TenantPolicy? tenant) => _tenants.TryGetValue(slug, out tenant);
}
