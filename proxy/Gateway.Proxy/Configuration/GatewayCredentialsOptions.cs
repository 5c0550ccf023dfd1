namespace Gateway.Proxy.Configuration;

/// <summary>
/// Where the tenants' <c>file:</c> credentials lie and whose <c>env:</c> variables are whose (section <c>Gateway:Credentials</c>, docs/connectors.md): read before
/// the container exists (the connectors' registration takes it), validated by <see cref="GatewayCredentialsOptionsValidator"/>.
/// </summary>
public sealed class GatewayCredentialsOptions
{
    public const string SectionName = "Gateway:Credentials";

    /// <summary><c>Gateway:Credentials:Root</c>: an absolute path; unset, <c>file:</c> credentials are refused.</summary>
    public string? Root { get; set; }

    /// <summary>
    /// <c>Gateway:Credentials:EnvironmentPerTenant</c>: a tenant's <c>env:</c> references must name its own variables,
    /// <c>&lt;TENANT&gt;__…</c> (<see cref="Gateway.Policy.TenantSecretReferences.EnvironmentPrefix"/>); off, any variable but the gateway's own.
    /// </summary>
    public bool EnvironmentPerTenant { get; set; }

    /// <summary>
    /// <c>Gateway:Credentials:VaultCacheTtl</c>: how long a replica injects a vault credential without reading the store again, the
    /// bound on a revocation or rotation made through another replica (0 to 30 s; zero reads the store at each use).
    /// </summary>
    public TimeSpan VaultCacheTtl { get; set; } = TimeSpan.FromSeconds(1);
}
