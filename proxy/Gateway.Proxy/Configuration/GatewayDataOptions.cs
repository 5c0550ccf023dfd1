using Gateway.Audit.Options;

namespace Gateway.Proxy.Configuration;

/// <summary>
/// Where the gateway keeps its data (section <c>Gateway</c>): <c>Gateway:DataDirectory</c> (default <c>.gateway-data</c>
/// under the content root) and, as configured, the audit journal's sink and directory, whose defaults follow from the data
/// directory and the store (<see cref="ApplyDefaults"/>). Read before the container exists, validated by
/// <see cref="GatewayDataOptionsValidator"/>.
/// </summary>
public sealed class GatewayDataOptions
{
    public const string SectionName = "Gateway";

    public const string DataDirectoryKey = "Gateway:DataDirectory";

    public const string AuditSinkKey = "Gateway:Audit:Sink";

    public const string AuditDirectoryKey = "Gateway:Audit:Directory";

    public const string MemoryDirectoryKey = "Gateway:Store:Memory:Directory";

    /// <summary><c>Gateway:DataDirectory</c>; null: <c>.gateway-data</c> under the content root.</summary>
    public string? DataDirectory { get; set; }

    /// <summary><c>Gateway:Audit</c>'s sink and directory as configured (null when unset).</summary>
    public AuditLocation Audit { get; set; } = new();

    /// <summary>The data directory's full path.</summary>
    public string DataDirectoryPath(IHostEnvironment environment) =>
        Path.GetFullPath(DataDirectory ?? Path.Combine(environment.ContentRootPath, ".gateway-data"));

    /// <summary>
    /// Writes the defaults that follow from the data directory into <paramref name="configuration"/>, where the options
    /// bound later read them: the audit sink (<c>postgres</c> when PostgreSQL is configured, else <c>file</c> for the
    /// embedded store and <c>store</c> for Redis), the embedded store's journal (<c>state/</c>) and the audit directory
    /// (<c>audit/</c>). A value configured is kept.
    /// </summary>
    public void ApplyDefaults(IConfiguration configuration, string dataDirectory, Gateway.Store.StateStoreOptions store, bool postgres)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(store);

        // With PostgreSQL configured the journal lives there; else the embedded default keeps it in
        // append-only files and Redis mode in Redis streams.
        if (string.IsNullOrWhiteSpace(Audit.Sink))
        {
            configuration[AuditSinkKey] = postgres ? AuditOptions.PostgresSink : store.IsRedis ? AuditOptions.StoreSink : AuditOptions.FileSink;
        }

        // The embedded store's journal: nonces, kill switches, warrants, approvals and limits survive a restart.
        if (!store.IsRedis && store.Memory.Directory is null)
        {
            configuration[MemoryDirectoryKey] = Path.Combine(dataDirectory, "state");
        }

        if (string.IsNullOrWhiteSpace(Audit.Directory))
        {
            configuration[AuditDirectoryKey] = Path.Combine(dataDirectory, "audit");
        }
    }

    /// <summary>The audit journal's place as configured.</summary>
    public sealed class AuditLocation
    {
        /// <summary><c>Gateway:Audit:Sink</c> (checked with the rest of the audit options: <c>file</c>, <c>store</c> or <c>postgres</c>).</summary>
        public string? Sink { get; set; }

        /// <summary><c>Gateway:Audit:Directory</c>.</summary>
        public string? Directory { get; set; }
    }
}
