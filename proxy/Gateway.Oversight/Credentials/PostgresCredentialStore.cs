using Gateway.Connectors.Vault;
using Gateway.Store.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Gateway.Oversight.Credentials;

/// <summary>
/// The vault's credential records in PostgreSQL (migration 0012), one row per tenant and name, in
/// tenant-scoped transactions. Only the envelope (ciphertext) is stored; encryption stays in the vault.
/// It lives beside the other PostgreSQL record stores, not in the connectors library, so that connectors depend on no
/// store project: the host hands it to <c>AddGatewayConnectors</c> (<see cref="Gateway.Connectors.GatewayConnectorsOptions.CredentialRecords"/>).
/// </summary>
public sealed class PostgresCredentialStore : ICredentialRecordStore
{
    private const string Columns = "name, version, created_at, updated_at, revoked_at, envelope";
    private readonly PostgresDatabase _database;

    public PostgresCredentialStore(PostgresDatabase database) => _database = database ?? throw new ArgumentNullException(nameof(database));

    /// <summary>The store over the host's <see cref="PostgresDatabase"/> when it registered one (<c>Gateway:Store:Postgres</c>), else null.</summary>
    public static ICredentialRecordStore? WhenRegistered(IServiceProvider services) =>
        services.GetService<PostgresDatabase>() is { } database ? new PostgresCredentialStore(database) : null;

    /// <inheritdoc/>
    public ValueTask<CredentialRecord?> GetAsync(string tenant, string name, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync(_database, tenant, async scope =>
        {
            await using var select = scope.Command($"SELECT {Columns} FROM credentials WHERE tenant = $1 AND name = $2", tenant, name);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<bool> ReplaceAsync(string tenant, CredentialRecord? expected, CredentialRecord replacement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        var written = await PostgresRecordCalls.InTransactionAsync(_database, tenant, async scope =>
        {
            await using var write = expected is null
                ? scope.Command(
                    $"INSERT INTO credentials (tenant, {Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant, name) DO NOTHING",
                    Values(tenant, replacement))
                : scope.Command(
                    "UPDATE credentials SET version = $3, created_at = $4, updated_at = $5, revoked_at = $6, envelope = $7 " +
                    "WHERE tenant = $1 AND name = $2 AND version = $8 AND envelope IS NOT DISTINCT FROM $9 AND revoked_at IS NOT DISTINCT FROM $10",
                    [.. Values(tenant, replacement), expected.Version, expected.Envelope, expected.RevokedAt?.ToUniversalTime()]);
            return await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return written == 1;
    }

    private static object?[] Values(string tenant, CredentialRecord record) =>
        [tenant, record.Name, record.Version, record.CreatedAt.ToUniversalTime(), record.UpdatedAt.ToUniversalTime(), record.RevokedAt?.ToUniversalTime(), record.Envelope];

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<CredentialRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync<IReadOnlyList<CredentialRecord>>(_database, tenant, async scope =>
        {
            await using var select = scope.Command($"SELECT {Columns} FROM credentials WHERE tenant = $1 ORDER BY name", tenant);
            var records = new List<CredentialRecord>();
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                records.Add(Read(reader));
            }

            return records;
        }, cancellationToken);

    private static CredentialRecord Read(NpgsqlDataReader reader) => new()
    {
        Name = reader.GetString(0),
        Version = reader.GetInt32(1),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(2),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(3),
        RevokedAt = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
        Envelope = reader.IsDBNull(5) ? null : reader.GetString(5),
    };
}
