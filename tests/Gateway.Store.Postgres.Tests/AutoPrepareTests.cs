using Gateway.Testing;
using Npgsql;

namespace Gateway.Store.Postgres.Tests;

/// <summary>Automatic preparation as <see cref="PostgresDatabase.Create"/> sets it, seen in the server's <c>pg_prepared_statements</c>.</summary>
public sealed class AutoPrepareTests
{
    private const string Probe = "SELECT count(*) FROM audit_records WHERE seq > $1";

    [Fact]
    public async Task Create_ConnectionStringLeavesPreparationUnset_RepeatedStatementIsPrepared()
    {
        await using var database = await CreateAsync(string.Empty);

        await RunProbeAsync(database, times: PostgresDatabase.DefaultAutoPrepareMinUsages);

        Assert.Contains(Probe, await PreparedStatementsAsync(database));
    }

    [Fact]
    public async Task Create_OperatorTurnsPreparationOff_NothingIsPrepared()
    {
        await using var database = await CreateAsync(";Max Auto Prepare=0");

        await RunProbeAsync(database, times: 5);

        Assert.DoesNotContain(Probe, await PreparedStatementsAsync(database));
    }

    [Fact]
    public async Task Create_OperatorSetsMinUsages_TheirsIsKept()
    {
        await using var database = await CreateAsync(";Auto Prepare Min Usages=4");

        await RunProbeAsync(database, times: 3);
        Assert.DoesNotContain(Probe, await PreparedStatementsAsync(database));
        await RunProbeAsync(database, times: 1);
        Assert.Contains(Probe, await PreparedStatementsAsync(database));
    }

    [Fact]
    public async Task Create_PreparedStatement_StillSeesOnlyTheTransactionsTenant()
    {
        await using var database = await CreateAsync(string.Empty);
        await database.CommitTenantBatchAsync("acme", [TestDatabases.AuditRow("acme", 1, TestDatabases.Genesis, TestDatabases.Hash('a'))]);
        await database.CommitTenantBatchAsync("globex", [
            TestDatabases.AuditRow("globex", 1, TestDatabases.Genesis, TestDatabases.Hash('a')),
            TestDatabases.AuditRow("globex", 2, TestDatabases.Hash('a'), TestDatabases.Hash('b'))]);

        var counts = new List<long>();
        foreach (var tenant in new[] { "acme", "acme", "globex", "acme", "globex", "nobody" })
        {
            await using var scope = await database.OpenTenantAsync(tenant);
            await using var command = scope.Command(Probe, 0L);
            counts.Add((long)(await command.ExecuteScalarAsync())!);
        }

        Assert.Contains(Probe, await PreparedStatementsAsync(database));
        Assert.Equal([1L, 1L, 2L, 1L, 2L, 0L], counts);
    }

    [Fact]
    public async Task Create_BatchFailsWhilePreparing_TheConnectionGoesOn()
    {
        await using var database = await CreateAsync(string.Empty);
        await database.CommitTenantBatchAsync("acme", [TestDatabases.AuditRow("acme", 1, TestDatabases.Genesis, TestDatabases.Hash('a'))]);

        // Second use of every statement, so this batch prepares them; the insert fails and the server skips the COMMIT's preparation.
        var error = await Assert.ThrowsAsync<PostgresException>(async () =>
            await database.CommitTenantBatchAsync("acme", [TestDatabases.AuditRow("acme", 1, TestDatabases.Genesis, TestDatabases.Hash('b'))]));
        Assert.Equal("GA001", error.SqlState);

        for (var seq = 2; seq <= 4; seq++)
        {
            await database.CommitTenantBatchAsync("acme", [TestDatabases.AuditRow("acme", seq, TestDatabases.Hash((char)('a' + seq - 2)), TestDatabases.Hash((char)('a' + seq - 1)))]);
        }

        Assert.Contains("COMMIT", await PreparedStatementsAsync(database));
        await using var scope = await database.OpenTenantAsync("acme");
        await using var count = scope.CreateCommand("SELECT count(*) FROM audit_records");
        Assert.Equal(4L, (long)(await count.ExecuteScalarAsync())!);
    }

    // One connection in the pool: prepared statements belong to a connection.
    private static async Task<PostgresDatabase> CreateAsync(string settings)
    {
        var server = await PostgresServer.Shared;
        var database = PostgresDatabase.Create(new PostgresStoreOptions { ConnectionString = await server.CreateDatabaseAsync() + ";Maximum Pool Size=1" + settings });
        await new PostgresMigrator(database).MigrateAsync();
        return database;
    }

    private static async Task RunProbeAsync(PostgresDatabase database, int times)
    {
        for (var i = 0; i < times; i++)
        {
            await using var scope = await database.OpenTenantAsync("acme");
            await using var command = scope.Command(Probe, 0L);
            await command.ExecuteScalarAsync();
            await scope.CommitAsync();
        }
    }

    private static async Task<IReadOnlyList<string>> PreparedStatementsAsync(PostgresDatabase database)
    {
        await using var connection = await database.OpenOwnerConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT statement FROM pg_prepared_statements";
        return await PostgresRecordCalls.ReadStringsAsync(command, CancellationToken.None);
    }
}
