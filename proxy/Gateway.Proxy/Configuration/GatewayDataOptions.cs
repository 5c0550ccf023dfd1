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
    /// bound later read them: the audit sink (<see cref="DefaultSink"/>), the embedded store's journal (<c>state/</c>) and
    /// the audit directory (<c>audit/</c>). A value configured is kept.
    /// </summary>
    public void ApplyDefaults(IConfiguration configuration, string dataDirectory, Gateway.Store.StateStoreOptions store, bool postgres)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(store);
        var auditDirectory = string.IsNullOrWhiteSpace(Audit.Directory) ? Path.Combine(dataDirectory, "audit") : Audit.Directory;
        if (string.IsNullOrWhiteSpace(Audit.Sink))
        {
            configuration[AuditSinkKey] = DefaultSink(store, postgres, auditDirectory);
        }

        // The embedded store's journal: nonces, kill switches, warrants, approvals and limits survive a restart.
        if (!store.IsRedis && store.Memory.Directory is null)
        {
            configuration[MemoryDirectoryKey] = Path.Combine(dataDirectory, "state");
        }

        if (string.IsNullOrWhiteSpace(Audit.Directory))
        {
            configuration[AuditDirectoryKey] = auditDirectory;
        }
    }

    /// <summary>
    /// The audit sink when none is configured: <c>postgres</c> when PostgreSQL is configured; else <c>store</c> (the
    /// decision records in the state store's own journal: one write before forwarding), unless the embedded store keeps
    /// nothing on disk (<c>Gateway:Store:Memory:Directory</c> empty or blank) or <paramref name="auditDirectory"/> already holds chains on file (an installation that began there
    /// goes on there): <c>file</c> then.
    /// </summary>
    private static string DefaultSink(Gateway.Store.StateStoreOptions store, bool postgres, string auditDirectory)
    {
        if (postgres)
        {
            return AuditOptions.PostgresSink;
        }

        if (store.IsRedis)
        {
            return AuditOptions.StoreSink;
        }

        // An empty or blank directory is the in-memory store (as AddGatewayStateStore reads it): the audit stays on file.
        var durable = store.Memory.Directory is null || !string.IsNullOrWhiteSpace(store.Memory.Directory);
        var chainsOnFile = Directory.Exists(auditDirectory) && Directory.EnumerateFiles(auditDirectory, "*" + Gateway.Audit.FileAuditStore.FileSuffix).Any();
        return durable && !chainsOnFile ? AuditOptions.StoreSink : AuditOptions.FileSink;
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
