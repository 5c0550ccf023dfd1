namespace Gateway.Audit.Options;

/// <summary>
/// Retention of the audit journal by age (<c>Gateway:Audit:Retention</c>), off by default. Records older
/// than the tenant's age are exported to <see cref="ExportDirectory"/> first and only then retired (the
/// PostgreSQL and embedded file sinks; the state-store sink cannot retire); see docs/operations.md.
/// </summary>
public sealed record AuditRetentionOptions
{
    /// <summary>The age after which every tenant's records are exported and retired; null: off (unless a tenant override is set).</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Per-tenant ages (<c>Gateway:Audit:Retention:Tenants:&lt;slug&gt;</c>) that replace <see cref="MaxAge"/> for that tenant.</summary>
    public Dictionary<string, TimeSpan> Tenants { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Where the exports go (<c>&lt;dir&gt;/&lt;tenant&gt;/&lt;from&gt;-&lt;to&gt;.jsonl</c>); required when retention is on.</summary>
    public string? ExportDirectory { get; init; }

    /// <summary>How often the retention job runs.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Whether any tenant's records are retired at all.</summary>
    public bool Enabled => MaxAge is not null || Tenants.Count > 0;

    /// <summary>The age of <paramref name="tenant"/>'s records to keep, or null to keep them all.</summary>
    public TimeSpan? AgeOf(string tenant) => Tenants.TryGetValue(tenant, out var age) ? age : MaxAge;
}
