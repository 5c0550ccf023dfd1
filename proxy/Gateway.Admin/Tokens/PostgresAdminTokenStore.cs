using Gateway.Store.Postgres;
using Npgsql;

namespace Gateway.Admin.Tokens;

/// <summary>
/// Admin tokens in PostgreSQL (migration 0013; 0035 adds <c>inherited_minter</c>, 0036 <c>minted_by</c>): <c>admin_tokens</c> by SHA-256,
/// <c>admin_token_names</c> binding
/// each scoped name (<see cref="AdminTokenNames.Scoped"/>: names are per tenant) to its latest token. A name is taken over only from a revoked token, decided by the database
/// (<c>INSERT … ON CONFLICT DO UPDATE … WHERE</c> the bound token is revoked), so two concurrent issues of one
/// name leave exactly one live token. Not tenant-scoped rows: authentication finds a hash before any tenant is known.
/// </summary>
public sealed class PostgresAdminTokenStore : IAdminTokenStore
{
    private const string Columns = "name, roles, tenant, person, issued_by, created_at, revoked, revoked_at, inherited_minter, minted_by";
    private readonly PostgresDatabase _database;

    public PostgresAdminTokenStore(PostgresDatabase database) => _database = database ?? throw new ArgumentNullException(nameof(database));

    /// <inheritdoc/>
    public ValueTask<AdminTokenRecord?> GetAsync(string hash, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync(_database, tenant: null, async scope =>
        {
            await using var select = scope.Command($"SELECT {Columns} FROM admin_tokens WHERE hash = $1", hash);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<string?> FindHashAsync(string scopedName, CancellationToken cancellationToken = default) =>
        PostgresRecordCalls.InTransactionAsync(_database, tenant: null, async scope =>
        {
            await using var select = scope.Command("SELECT hash FROM admin_token_names WHERE name = $1", scopedName);
            return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<bool> TryAddAsync(string hash, AdminTokenRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return PostgresRecordCalls.InTransactionAsync(_database, tenant: null, async scope =>
        {
            // Bind the name first (the foreign key is checked at commit): a live token keeps it and nothing is written.
            await using (var bind = scope.Command(
                "INSERT INTO admin_token_names (name, hash) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET hash = EXCLUDED.hash " +
                "WHERE (SELECT t.revoked FROM admin_tokens t WHERE t.hash = admin_token_names.hash)",
                AdminTokenNames.Scoped(record.Tenant, record.Name),
                hash))
            {
                if (await bind.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    return false;
                }
            }

            await UpsertAsync(scope, hash, record, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask PutAsync(string hash, AdminTokenRecord record, bool bindName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await PostgresRecordCalls.InTransactionAsync(_database, tenant: null, async scope =>
        {
            await UpsertAsync(scope, hash, record, cancellationToken).ConfigureAwait(false);
            if (bindName)
            {
                await using var bind = scope.Command(
                    "INSERT INTO admin_token_names (name, hash) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET hash = EXCLUDED.hash",
                    AdminTokenNames.Scoped(record.Tenant, record.Name),
                    hash);
                await bind.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<AdminTokenRecord>> ListAsync(CancellationToken cancellationToken = default) =>
        ListWhereAsync(string.Empty, tenant: null, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<AdminTokenRecord>> ListTenantAsync(string tenant, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        return ListWhereAsync("WHERE t.tenant = $1 ", tenant, cancellationToken);
    }

    private ValueTask<IReadOnlyList<AdminTokenRecord>> ListWhereAsync(string where, string? tenant, CancellationToken cancellationToken) =>
        PostgresRecordCalls.InTransactionAsync<IReadOnlyList<AdminTokenRecord>>(_database, tenant: null, async scope =>
        {
            var sql = "SELECT t.name, t.roles, t.tenant, t.person, t.issued_by, t.created_at, t.revoked, t.revoked_at, t.inherited_minter, t.minted_by " +
                "FROM admin_token_names n JOIN admin_tokens t ON t.hash = n.hash " + where + "ORDER BY n.name";
            await using var select = tenant is null ? scope.Command(sql) : scope.Command(sql, tenant);
            var records = new List<AdminTokenRecord>();
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                records.Add(Read(reader));
            }

            return records;
        }, cancellationToken);

    private static async ValueTask UpsertAsync(PostgresScope scope, string hash, AdminTokenRecord record, CancellationToken cancellationToken)
    {
        await using var upsert = scope.Command(
            $"INSERT INTO admin_tokens (hash, {Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) " +
            "ON CONFLICT (hash) DO UPDATE SET name = EXCLUDED.name, roles = EXCLUDED.roles, tenant = EXCLUDED.tenant, person = EXCLUDED.person, " +
            "issued_by = EXCLUDED.issued_by, created_at = EXCLUDED.created_at, revoked = EXCLUDED.revoked, revoked_at = EXCLUDED.revoked_at, " +
            "inherited_minter = EXCLUDED.inherited_minter, minted_by = EXCLUDED.minted_by",
            hash,
            record.Name,
            record.Roles.ToArray(),
            record.Tenant,
            record.Person,
            record.IssuedBy,
            record.CreatedAt.ToUniversalTime(),
            record.Revoked,
            record.RevokedAt?.ToUniversalTime(),
            record.InheritedMinter,
            record.MintedBy);
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static AdminTokenRecord Read(NpgsqlDataReader reader) => new()
    {
        Name = reader.GetString(0),
        Roles = reader.GetFieldValue<string[]>(1),
        Tenant = reader.IsDBNull(2) ? null : reader.GetString(2),
        Person = reader.IsDBNull(3) ? null : reader.GetString(3),
        IssuedBy = reader.IsDBNull(4) ? null : reader.GetString(4),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(5),
        Revoked = reader.GetBoolean(6),
        RevokedAt = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
        InheritedMinter = reader.IsDBNull(8) ? null : reader.GetString(8),
        MintedBy = reader.IsDBNull(9) ? null : reader.GetString(9),
    };
}
