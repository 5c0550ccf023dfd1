using Gateway.Store;
using Gateway.Store.Postgres;
using Gateway.Testing;
using Npgsql;

namespace Gateway.Records.Tests.Infrastructure;

/// <summary>
/// The real back ends the contract suites run against: one redis-server and one PostgreSQL server per test
/// process (each test gets fresh keys by tenant, or a fresh migrated database).
/// </summary>
internal static class Backends
{
    private static readonly Lazy<Task<RedisServer>> SharedRedis = new(() => RedisServer.StartAsync());

    /// <summary>A new client of the process's redis-server (a new "replica").</summary>
    public static async Task<RedisStateStore> RedisAsync()
    {
        var server = await SharedRedis.Value;
        var store = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Endpoint = server.Endpoint, CommandTimeout = TimeSpan.FromSeconds(5) });
        await store.PingAsync();
        return store;
    }

    /// <summary>A fresh database in the process's PostgreSQL server, migrated; its superuser connection string too.</summary>
    public static async Task<(PostgresDatabase Database, string ConnectionString)> PostgresAsync(PostgresServer? server = null)
    {
        server ??= await PostgresServer.Shared;
        var connectionString = await server.CreateDatabaseAsync();
        var database = Connect(connectionString);
        await new PostgresMigrator(database).MigrateAsync();
        return (database, connectionString);
    }

    /// <summary>Another data source on the same database: another replica.</summary>
    public static PostgresDatabase Connect(string connectionString) =>
        new(NpgsqlDataSource.Create(connectionString), TimeSpan.FromSeconds(5));

    public static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..12];
}
