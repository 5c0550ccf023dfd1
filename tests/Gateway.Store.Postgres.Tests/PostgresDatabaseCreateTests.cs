using Gateway.Testing;

namespace Gateway.Store.Postgres.Tests;

/// <summary>Connection strings as operators and the chart write them, opened through <see cref="PostgresDatabase.Create"/> on a real PostgreSQL.</summary>
public sealed class PostgresDatabaseCreateTests
{
    [Theory]
    [InlineData("primary")]
    [InlineData("read-write")]
    public async Task Create_OneHostTargetingThePrimary_MigratesAndWrites(string target)
    {
        var server = await PostgresServer.Shared;
        var options = new PostgresStoreOptions { ConnectionString = await server.CreateDatabaseAsync() + ";Target Session Attributes=" + target };
        Assert.Empty(options.Validate());

        await using var database = PostgresDatabase.Create(options);
        await new PostgresMigrator(database).MigrateAsync();
        await database.CommitTenantBatchAsync("acme", [TestDatabases.AuditRow("acme", 1, TestDatabases.Genesis, TestDatabases.Hash('a'))]);

        await using var scope = await database.OpenTenantAsync("acme");
        await using var count = scope.CreateCommand("SELECT count(*) FROM audit_records");
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
    }
}
