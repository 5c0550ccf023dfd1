using Npgsql;

namespace Gateway.Store.Postgres.Tests;

public sealed class PostgresMigratorTests
{
    [Fact]
    public async Task MigrateAsync_EmptyDatabase_AppliesEveryMigrationOnce()
    {
        await using var database = await TestDatabases.CreateAsync(migrate: false);
        var migrator = new PostgresMigrator(database);

        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();

        Assert.Equal(PostgresMigration.Embedded.Select(static m => m.Version), first.Select(static m => m.Version));
        Assert.Empty(second);
        var status = await migrator.GetStatusAsync();
        Assert.Equal(migrator.LatestVersion, status.CurrentVersion);
        Assert.Empty(status.Pending);
    }

    [Fact]
    public async Task MigrateAsync_TwoReplicasStartingTogether_ApplyEachMigrationOnce()
    {
        await using var database = await TestDatabases.CreateAsync(migrate: false);
        await using var other = new PostgresDatabase(NpgsqlDataSource.Create(database.DataSource.ConnectionString), TimeSpan.FromSeconds(30));

        var results = await Task.WhenAll(
            new PostgresMigrator(database).MigrateAsync(),
            new PostgresMigrator(other).MigrateAsync());

        Assert.Equal(PostgresMigration.Embedded.Count, results.Sum(static r => r.Count));
        await using var count = database.DataSource.CreateCommand("SELECT count(*) FROM schema_migrations");
        Assert.Equal((long)PostgresMigration.Embedded.Count, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task MigrateAsync_SchemaNewerThanBinary_Refuses()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using (var newer = database.DataSource.CreateCommand("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'from_the_future', 'x')"))
        {
            await newer.ExecuteNonQueryAsync();
        }

        var migrator = new PostgresMigrator(database);
        var error = await Assert.ThrowsAsync<PostgresSchemaException>(() => migrator.MigrateAsync());
        Assert.Contains("9999", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<PostgresSchemaException>(() => migrator.EnsureCurrentAsync());
    }

    [Fact]
    public async Task EnsureCurrentAsync_UnmigratedDatabase_RefusesAndNamesTheCommand()
    {
        await using var database = await TestDatabases.CreateAsync(migrate: false);

        var error = await Assert.ThrowsAsync<PostgresSchemaException>(() => new PostgresMigrator(database).EnsureCurrentAsync());

        Assert.Contains("gatewayctl db migrate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureCurrentAsync_MigratedDatabase_Passes()
    {
        await using var database = await TestDatabases.CreateAsync();

        await new PostgresMigrator(database).EnsureCurrentAsync();
    }

    [Fact]
    public async Task MigrateAsync_AppliedScriptChangedSince_Refuses()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using (var tamper = database.DataSource.CreateCommand("UPDATE schema_migrations SET checksum = 'changed' WHERE version = 1"))
        {
            await tamper.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<PostgresSchemaException>(() => new PostgresMigrator(database).MigrateAsync());
        Assert.Contains("forward-only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateAsync_OnlyTheNewMigration_AppliedToAnOlderSchema()
    {
        await using var database = await TestDatabases.CreateAsync(migrate: false);
        var v1 = new PostgresMigration(1, "one", "CREATE TABLE one (id int)");
        var v2 = new PostgresMigration(2, "two", "CREATE TABLE two (id int)");
        await new PostgresMigrator(database, [v1], null).MigrateAsync();

        var applied = await new PostgresMigrator(database, [v1, v2], null).MigrateAsync();

        Assert.Equal([2], applied.Select(static m => m.Version));
    }

    [Fact]
    public void Embedded_MigrationsAreNumberedAndOrdered()
    {
        Assert.NotEmpty(PostgresMigration.Embedded);
        Assert.Equal(1, PostgresMigration.Embedded[0].Version);
        Assert.Equal(PostgresMigration.Embedded.OrderBy(static m => m.Version).Select(static m => m.Version), PostgresMigration.Embedded.Select(static m => m.Version));
    }
}
