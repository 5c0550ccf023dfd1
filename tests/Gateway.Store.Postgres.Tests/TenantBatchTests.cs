using Gateway.Testing;
using Npgsql;

namespace Gateway.Store.Postgres.Tests;

public sealed class TenantBatchTests
{
    [Fact]
    public async Task CommitTenantBatchAsync_Writes_CommitInOneRoundTrip()
    {
        var server = await PostgresServer.Shared;
        var connection = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync());
        await using var relay = RoundTripCountingRelay.Start(connection.Port);
        connection.Port = relay.Port;
        await using var database = new PostgresDatabase(NpgsqlDataSource.Create(connection.ConnectionString), TimeSpan.FromSeconds(30));
        await new PostgresMigrator(database).MigrateAsync();
        await database.PingAsync();

        var before = relay.RoundTrips;
        await database.CommitTenantBatchAsync("acme", [
            TestDatabases.AuditRow("acme", 1, TestDatabases.Genesis, TestDatabases.Hash('a')),
            TestDatabases.AuditRow("acme", 2, TestDatabases.Hash('a'), TestDatabases.Hash('b'))]);

        Assert.Equal(1, relay.RoundTrips - before);
        Assert.Equal(2L, await CountRowsAsync(database, "acme"));
    }

    [Fact]
    public async Task CommitTenantBatchAsync_RunsAsTheApplicationRoleForTheTenant()
    {
        await using var database = await TestDatabases.CreateAsync();
        var probe = new NpgsqlBatchCommand("INSERT INTO audit_records (tenant, replica, seq, time, agent, decision, prev_hash, hash, line) " +
            "SELECT current_setting('gamut.tenant'), current_user, 1, now(), 'agent', 'allow', $1, $2, '{}'");
        probe.Parameters.Add(new NpgsqlParameter { Value = TestDatabases.Genesis });
        probe.Parameters.Add(new NpgsqlParameter { Value = TestDatabases.Hash('a') });

        await database.CommitTenantBatchAsync("acme", [probe]);

        await using var scope = await database.OpenTenantAsync("acme");
        await using var command = scope.CreateCommand("SELECT replica FROM audit_records");
        Assert.Equal(PostgresDatabase.ApplicationRole, (string?)await command.ExecuteScalarAsync());
        Assert.Equal(1, probe.RecordsAffected);
    }

    [Fact]
    public async Task CommitTenantBatchAsync_OneCommandFails_NothingCommitsAndTheConnectionIsReused()
    {
        var server = await PostgresServer.Shared;
        var connection = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync()) { MaxPoolSize = 1 };
        await using var database = new PostgresDatabase(NpgsqlDataSource.Create(connection.ConnectionString), TimeSpan.FromSeconds(30));
        await new PostgresMigrator(database).MigrateAsync();

        // The first row is inserted, then the row of another tenant is refused by the policy.
        var error = await Assert.ThrowsAsync<PostgresException>(async () => await database.CommitTenantBatchAsync("acme", [
            TestDatabases.AuditRow("acme", 1, TestDatabases.Genesis, TestDatabases.Hash('a')),
            TestDatabases.AuditRow("globex", 1, TestDatabases.Genesis, TestDatabases.Hash('b'))]));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Equal(0L, await CountRowsAsync(database, "acme"));

        // The only connection went back to the pool rolled back: the same chain starts again from genesis.
        await database.CommitTenantBatchAsync("acme", [TestDatabases.AuditRow("acme", 1, TestDatabases.Genesis, TestDatabases.Hash('c'))]);
        Assert.Equal(1L, await CountRowsAsync(database, "acme"));
    }

    [Fact]
    public async Task CommitTenantBatchAsync_RowThatDoesNotLink_ThrowsTheLinkTriggersState()
    {
        await using var database = await TestDatabases.CreateAsync();
        await database.CommitTenantBatchAsync("acme", [TestDatabases.AuditRow("acme", 1, TestDatabases.Genesis, TestDatabases.Hash('a'))]);

        // A second writer with the same stale tip: the trigger refuses it and the first row stands.
        var error = await Assert.ThrowsAsync<PostgresException>(async () =>
            await database.CommitTenantBatchAsync("acme", [TestDatabases.AuditRow("acme", 1, TestDatabases.Genesis, TestDatabases.Hash('b'))]));

        Assert.Equal("GA001", error.SqlState);
        Assert.Equal(1L, await CountRowsAsync(database, "acme"));
    }

    private static async Task<long> CountRowsAsync(PostgresDatabase database, string tenant)
    {
        await using var scope = await database.OpenTenantAsync(tenant);
        await using var command = scope.CreateCommand("SELECT count(*) FROM audit_records");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
