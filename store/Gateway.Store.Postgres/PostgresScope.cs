using Npgsql;

namespace Gateway.Store.Postgres;

/// <summary>
/// One transaction opened by <see cref="PostgresDatabase.OpenTenantAsync"/> (or
/// <see cref="PostgresDatabase.OpenAsync"/>): the application role and the tenant are set for it
/// alone. Commit with <see cref="CommitAsync"/>; disposing an uncommitted scope rolls it back and
/// returns the connection to the pool.
/// </summary>
public sealed class PostgresScope : IAsyncDisposable
{
    private readonly int _commandTimeout;

    internal PostgresScope(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, int commandTimeout)
    {
        Connection = connection;
        Transaction = transaction;
        Tenant = tenant;
        _commandTimeout = commandTimeout;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>The tenant the transaction sees (null: none).</summary>
    public string? Tenant { get; }

    /// <summary>A command in this transaction with the configured timeout.</summary>
    public NpgsqlCommand CreateCommand(string sql) => new(sql, Connection, Transaction) { CommandTimeout = _commandTimeout };

    public Task CommitAsync(CancellationToken cancellationToken = default) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}
