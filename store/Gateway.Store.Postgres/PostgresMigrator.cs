using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Store.Postgres;

/// <summary>
/// Applies the embedded migrations (<see cref="PostgresMigration.Embedded"/>) forward only, each in its
/// own transaction, under a session advisory lock so that replicas starting together apply each once.
/// Refuses a database whose schema is newer than the binary, or whose applied scripts changed.
/// </summary>
public sealed class PostgresMigrator
{
    /// <summary>The advisory lock key every migrating process takes ("gamut" in ASCII).</summary>
    public const long AdvisoryLockKey = 0x67616d7574;

    private const string CreateTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now())
        """;

    private readonly PostgresDatabase _database;
    private readonly IReadOnlyList<PostgresMigration> _migrations;
    private readonly ILogger _logger;

    public PostgresMigrator(PostgresDatabase database, ILogger<PostgresMigrator>? logger = null)
        : this(database, PostgresMigration.Embedded, logger)
    {
    }

    internal PostgresMigrator(PostgresDatabase database, IReadOnlyList<PostgresMigration> migrations, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _migrations = migrations;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The highest version this binary knows.</summary>
    public int LatestVersion => _migrations.Count == 0 ? 0 : _migrations[^1].Version;

    /// <summary>Reads the schema's state without changing anything (no lock).</summary>
    public async Task<PostgresSchemaStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenOwnerConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadStatusAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Throws <see cref="PostgresSchemaException"/> unless the schema is exactly the binary's (start-up without migration).</summary>
    public async Task EnsureCurrentAsync(CancellationToken cancellationToken = default)
    {
        var status = await GetStatusAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfNewer(status);
        if (status.Pending.Count > 0)
        {
            throw new PostgresSchemaException(
                $"The PostgreSQL schema is at version {status.CurrentVersion} and this gateway needs {status.LatestVersion}: run `gatewayctl db migrate` or set {PostgresStoreOptions.SectionName}:MigrateOnStart=true.");
        }
    }

    /// <summary>Applies every pending migration and returns those this call applied (empty when another process got there first).</summary>
    public async Task<IReadOnlyList<PostgresMigration>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenOwnerConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(" + AdvisoryLockKey + ")", timeout: 0, cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, null, CreateTable, _database.CommandTimeoutSeconds, cancellationToken).ConfigureAwait(false);
            var status = await ReadStatusAsync(connection, null, cancellationToken).ConfigureAwait(false);
            ThrowIfNewer(status);
            var applied = new List<PostgresMigration>();
            foreach (var migration in status.Pending)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, migration.Sql, timeout: 0, cancellationToken).ConfigureAwait(false);
                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Version });
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Name });
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Checksum });
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                PostgresLog.MigrationApplied(_logger, migration.Version, migration.Name);
                applied.Add(migration);
            }

            return applied;
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(" + AdvisoryLockKey + ")", _database.CommandTimeoutSeconds, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task<PostgresSchemaStatus> ReadStatusAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<int, string>();
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection, transaction))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return new PostgresSchemaStatus(0, LatestVersion, _migrations);
            }
        }

        await using (var read = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection, transaction))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                applied[reader.GetInt32(0)] = reader.GetString(1);
            }
        }

        foreach (var migration in _migrations)
        {
            if (applied.TryGetValue(migration.Version, out var checksum) && !string.Equals(checksum, migration.Checksum, StringComparison.Ordinal))
            {
                throw new PostgresSchemaException($"Migration {migration.Version:D4}_{migration.Name} was changed after it was applied; migrations are forward-only: add a new one.");
            }
        }

        var current = applied.Count == 0 ? 0 : applied.Keys.Max();
        return new PostgresSchemaStatus(current, LatestVersion, [.. _migrations.Where(m => !applied.ContainsKey(m.Version))]);
    }

    private void ThrowIfNewer(PostgresSchemaStatus status)
    {
        if (status.IsNewerThanBinary)
        {
            PostgresLog.SchemaTooNew(_logger, status.CurrentVersion, status.LatestVersion);
            throw new PostgresSchemaException(
                $"The PostgreSQL schema is at version {status.CurrentVersion}, newer than this gateway knows ({status.LatestVersion}); refusing to start. Run the newer gateway or restore the matching backup.");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, int timeout, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = timeout };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
