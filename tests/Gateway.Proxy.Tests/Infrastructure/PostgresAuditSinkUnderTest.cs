using Gateway.Audit;
using Gateway.Store.Postgres;
using Gateway.Testing;
using Npgsql;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// The journal in a fresh database of the shared real PostgreSQL (the gateway migrates it at start), read back
/// with the gateway's own <see cref="PostgresAuditStore"/> over a data source of this process.
/// </summary>
public sealed class PostgresAuditSinkUnderTest : AuditSinkUnderTest
{
    private PostgresAuditSinkUnderTest(string connectionString)
    {
        ConnectionString = connectionString;
        Settings = new Dictionary<string, string> { ["Gateway__Store__Postgres__ConnectionString"] = connectionString };
    }

    /// <summary>The database's connection string.</summary>
    public string ConnectionString { get; }

    public override IReadOnlyDictionary<string, string> Settings { get; }

    public static async Task<PostgresAuditSinkUnderTest> StartAsync() => new(await (await PostgresServer.Shared).CreateDatabaseAsync());

    public override ValueTask<AuditSinkReader> OpenAsync()
    {
        var database = new PostgresDatabase(NpgsqlDataSource.Create(ConnectionString), TimeSpan.FromSeconds(30));
        return ValueTask.FromResult(new AuditSinkReader(new PostgresAuditStore(database), database.DisposeAsync));
    }
}
