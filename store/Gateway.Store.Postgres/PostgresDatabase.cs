using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Gateway.Store.Postgres;

/// <summary>
/// The process's one <see cref="NpgsqlDataSource"/> (pooled connections, Npgsql's tracing) and the
/// only ways the application touches rows: <see cref="OpenTenantAsync"/> starts a transaction as the
/// application role <see cref="ApplicationRole"/> (not the tables' owner, so row-level security
/// applies) with <see cref="TenantSetting"/> set for that transaction only (<c>SET LOCAL</c>), so a
/// query that forgets its <c>WHERE tenant = …</c> still sees only that tenant's rows.
/// <see cref="CommitTenantBatchAsync"/> is a whole such transaction of writes in one round trip.
/// <see cref="OpenOwnerConnectionAsync"/> is the session user itself, for migrations and operators.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    /// <summary>The role every application transaction runs as (created by migration 0001; owns nothing).</summary>
    public const string ApplicationRole = "gamut_app";

    /// <summary>The setting row-level security policies compare each row's tenant with.</summary>
    public const string TenantSetting = "gamut.tenant";

    /// <summary>
    /// <c>Max Auto Prepare</c> when the connection string does not set it: Npgsql keeps up to this many
    /// statements prepared per connection (least recently used recycled), so the hot statements are
    /// parsed and planned once per connection instead of on every call. The gateway runs a few dozen
    /// distinct statements.
    /// </summary>
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary><c>Auto Prepare Min Usages</c> when the connection string does not set it: a statement is prepared on its second use.</summary>
    public const int DefaultAutoPrepareMinUsages = 2;

    private readonly bool _ownsDataSource;

    public PostgresDatabase(NpgsqlDataSource dataSource, TimeSpan commandTimeout, bool ownsDataSource = true)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        DataSource = dataSource;
        CommandTimeoutSeconds = Math.Max(1, (int)Math.Ceiling(commandTimeout.TotalSeconds));
        _ownsDataSource = ownsDataSource;
    }

    /// <summary>The pooled data source (one per process).</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The timeout of every command a scope creates.</summary>
    public int CommandTimeoutSeconds { get; }

    /// <summary>
    /// Builds the data source from validated options (the connection string is read once, never logged).
    /// What the connection string leaves unset: <c>Application Name</c> is <c>gateway</c>, and automatic
    /// preparation is on (<see cref="DefaultMaxAutoPrepare"/>, <see cref="DefaultAutoPrepareMinUsages"/>);
    /// <c>Max Auto Prepare=0</c> in the connection string turns it off (a pooler that cannot keep
    /// prepared statements).
    /// </summary>
    public static PostgresDatabase Create(PostgresStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connection = new NpgsqlConnectionStringBuilder(options.ResolveConnectionString())
        {
            CommandTimeout = Math.Max(1, (int)Math.Ceiling(options.CommandTimeout.TotalSeconds)),
        };
        if (string.IsNullOrEmpty(connection.ApplicationName))
        {
            connection.ApplicationName = "gateway";
        }

        // One host leaves nothing to choose between, and Npgsql refuses a target on a single host: the validated primary or
        // read-write is dropped (a standby there refuses the gateway's writes, which fail closed).
        if (connection.Host?.Contains(',', StringComparison.Ordinal) == false)
        {
            connection.TargetSessionAttributes = null;
        }

        // Npgsql's builder claims every keyword it knows; its canonical string names only those set.
        var configured = new DbConnectionStringBuilder { ConnectionString = connection.ConnectionString };
        if (!configured.ContainsKey("Max Auto Prepare"))
        {
            connection.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        if (!configured.ContainsKey("Auto Prepare Min Usages"))
        {
            connection.AutoPrepareMinUsages = DefaultAutoPrepareMinUsages;
        }

        var builder = new NpgsqlDataSourceBuilder(connection.ConnectionString);
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        return new PostgresDatabase(builder.Build(), options.CommandTimeout);
    }

    /// <summary>
    /// A transaction as <see cref="ApplicationRole"/> scoped to <paramref name="tenant"/>: every row it
    /// reads or writes in a tenant table belongs to that tenant. Dispose without
    /// <see cref="PostgresScope.CommitAsync"/> rolls back.
    /// </summary>
    public ValueTask<PostgresScope> OpenTenantAsync(string tenant, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        return OpenScopeAsync(tenant, cancellationToken);
    }

    /// <summary>
    /// A whole transaction as <see cref="ApplicationRole"/> scoped to <paramref name="tenant"/> in one
    /// round trip: <c>BEGIN</c>, the role, the tenant, <paramref name="commands"/> in order and <c>COMMIT</c>
    /// go to the server as one pipelined batch, and the call returns once the commit is acknowledged.
    /// For work that writes without reading first (an audit group and what goes with it): add one more
    /// statement to the same transaction by adding it to <paramref name="commands"/>. When a command
    /// fails, the server skips the rest, <c>COMMIT</c> included, nothing is committed, its
    /// <see cref="PostgresException"/> is thrown (its <see cref="NpgsqlException.BatchCommand"/> names
    /// the command) and the transaction is rolled back before the connection returns to the pool.
    /// Each command's <see cref="NpgsqlBatchCommand.RecordsAffected"/> is set on success.
    /// </summary>
    public async ValueTask CommitTenantBatchAsync(string tenant, IReadOnlyList<NpgsqlBatchCommand> commands, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentOutOfRangeException.ThrowIfZero(commands.Count);
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection) { Timeout = CommandTimeoutSeconds };
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        AddScope(batch, tenant);
        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));

        // On an error the server skips to the end of the batch and the connection is left in a failed
        // transaction block, which Npgsql rolls back when the connection is closed (returned to the pool).
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A transaction as <see cref="ApplicationRole"/> with no tenant: tenant tables show no rows.</summary>
    public ValueTask<PostgresScope> OpenAsync(CancellationToken cancellationToken = default) => OpenScopeAsync(null, cancellationToken);

    /// <summary>A connection as the session user (the schema's owner): migrations and operator tooling only.</summary>
    public ValueTask<NpgsqlConnection> OpenOwnerConnectionAsync(CancellationToken cancellationToken = default) =>
        DataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>One round trip that proves the database answers (the readiness probe).</summary>
    public async ValueTask PingAsync(CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand("SELECT 1");
        command.CommandTimeout = CommandTimeoutSeconds;
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await DataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<PostgresScope> OpenScopeAsync(string? tenant, CancellationToken cancellationToken)
    {
        var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var batch = new NpgsqlBatch(connection, transaction) { Timeout = CommandTimeoutSeconds })
            {
                AddScope(batch, tenant);
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return new PostgresScope(connection, transaction, tenant, CommandTimeoutSeconds);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The statements that make a transaction the application role's, scoped to <paramref name="tenant"/> (none: empty), for that transaction only.</summary>
    private static void AddScope(NpgsqlBatch batch, string? tenant)
    {
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL ROLE " + ApplicationRole));
        var scope = new NpgsqlBatchCommand("SELECT set_config('" + TenantSetting + "', $1, true)");
        scope.Parameters.Add(new NpgsqlParameter { Value = tenant ?? string.Empty });
        batch.BatchCommands.Add(scope);
    }
}
