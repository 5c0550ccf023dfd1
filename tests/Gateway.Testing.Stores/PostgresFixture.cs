using Gateway.Store.Postgres;
using Npgsql;

namespace Gateway.Testing.Stores;

/// <summary>A migrated database in the test process's real PostgreSQL server, shared by one test class (tests use their own tenants).</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = string.Empty;

    public PostgresDatabase Database { get; private set; } = null!;

    /// <summary>A second data source on the same database: another replica's process.</summary>
    public PostgresDatabase OtherReplica { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = await (await PostgresServer.Shared).CreateDatabaseAsync();
        Database = new PostgresDatabase(NpgsqlDataSource.Create(ConnectionString), TimeSpan.FromSeconds(30));
        OtherReplica = new PostgresDatabase(NpgsqlDataSource.Create(ConnectionString), TimeSpan.FromSeconds(30));
        await new PostgresMigrator(Database).MigrateAsync();
    }

    /// <summary>Runs SQL as the schema's owner (the hand of an operator, not the application).</summary>
    public async Task ExecuteAsOwnerAsync(string sql)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await Database.DisposeAsync();
        await OtherReplica.DisposeAsync();
    }
}
