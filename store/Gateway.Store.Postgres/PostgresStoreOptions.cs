using Npgsql;

namespace Gateway.Store.Postgres;

/// <summary>
/// How the gateway reaches PostgreSQL (<c>Gateway:Store:Postgres</c>). Exactly one of
/// <see cref="ConnectionString"/> and <see cref="ConnectionStringFile"/> (a mounted secret); the
/// connection string is never logged or returned. Its password may come apart, from <see cref="PasswordFile"/>, so
/// that the rest (hosts, TLS) can be plain configuration. <see cref="Validate"/> lists every problem at once.
/// </summary>
public sealed record PostgresStoreOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Gateway:Store:Postgres";

    /// <summary>An Npgsql connection string (<c>Host=…;Port=…;Database=…;Username=…;Password=…</c>).</summary>
    public string? ConnectionString { get; init; }

    /// <summary>A file whose content (trimmed) is the connection string: a Kubernetes secret mounted as a file.</summary>
    public string? ConnectionStringFile { get; init; }

    /// <summary>
    /// A file whose content (trimmed) is the password, which then takes the place of any in the connection string: a
    /// Kubernetes secret mounted as a file beside a connection string that holds no secret (the chart's
    /// <c>postgres.external.hosts</c>).
    /// </summary>
    public string? PasswordFile { get; init; }

    /// <summary>Apply pending migrations at start-up (under an advisory lock); when false, start-up refuses a schema older than the binary.</summary>
    public bool MigrateOnStart { get; init; } = true;

    /// <summary>How long one command may run before it fails (and the request fails closed).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many days after today (UTC) the audit journal's daily partitions are created ahead (migration 0030; the gateway
    /// checks at start-up and every hour). 1 to 366; default 7: a week in which a failing check hurts nothing.
    /// </summary>
    public int AuditPartitionDaysAhead { get; init; } = 7;

    /// <summary>True when a connection string or its file is set: the gateway then runs its system of record on PostgreSQL.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ConnectionString) || !string.IsNullOrWhiteSpace(ConnectionStringFile);

    /// <summary>
    /// The connection string, read from <see cref="ConnectionStringFile"/> when that is set, with the password of
    /// <see cref="PasswordFile"/> when that is set.
    /// </summary>
    public string ResolveConnectionString()
    {
        var connectionString = ConnectionStringFile is { Length: > 0 } file
            ? File.ReadAllText(file).Trim()
            : ConnectionString ?? throw new InvalidOperationException($"{SectionName}: no ConnectionString or ConnectionStringFile.");
        return PasswordFile is { Length: > 0 } passwordFile
            ? new NpgsqlConnectionStringBuilder(connectionString) { Password = File.ReadAllText(passwordFile).Trim() }.ConnectionString
            : connectionString;
    }

    /// <summary>Every problem with these options (empty when valid); never echoes the connection string.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var hasString = !string.IsNullOrWhiteSpace(ConnectionString);
        var hasFile = !string.IsNullOrWhiteSpace(ConnectionStringFile);
        if (hasString == hasFile)
        {
            errors.Add("set exactly one of ConnectionString and ConnectionStringFile.");
        }
        else if (hasFile && !File.Exists(ConnectionStringFile))
        {
            errors.Add($"ConnectionStringFile '{ConnectionStringFile}' does not exist.");
        }
        else if (!string.IsNullOrWhiteSpace(PasswordFile) && !File.Exists(PasswordFile))
        {
            errors.Add($"PasswordFile '{PasswordFile}' does not exist.");
        }
        else
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(ResolveConnectionString());
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    errors.Add("the connection string names no Host.");
                }
                else if (TargetError(builder) is { } target)
                {
                    errors.Add(target);
                }
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or UnauthorizedAccessException or KeyNotFoundException)
            {
                errors.Add("the connection string is not a valid Npgsql connection string.");
            }
        }

        if (CommandTimeout <= TimeSpan.Zero || CommandTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add("CommandTimeout must be more than 0 and at most 10 minutes.");
        }

        if (AuditPartitionDaysAhead is < 1 or > 366)
        {
            errors.Add("AuditPartitionDaysAhead must be 1 to 366.");
        }

        return errors;
    }

    /// <summary>
    /// What is wrong with where the connection string lets the gateway write (null: nothing). The gateway writes on every
    /// governed request, so it must land on the writable primary: <c>Target Session Attributes</c> may only be
    /// <c>primary</c> or <c>read-write</c> (or unset for a single host), and a connection string naming several hosts (a
    /// primary and its standbys: Npgsql's failover) must set one of the two, or a standby could take the writes.
    /// </summary>
    private static string? TargetError(NpgsqlConnectionStringBuilder builder)
    {
        var hosts = builder.Host!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length;
        var target = builder.TargetSessionAttributes?.Trim().ToLowerInvariant();
        if (target is not (null or "" or "any" or "primary" or "read-write"))
        {
            return $"Target Session Attributes '{target}' can hand the gateway a standby; it writes: use primary or read-write.";
        }

        return hosts > 1 && target is null or "" or "any"
            ? $"the connection string names {hosts} hosts: set Target Session Attributes=primary (or read-write) so that the gateway writes only to the writable primary and follows it after a failover."
            : null;
    }
}
