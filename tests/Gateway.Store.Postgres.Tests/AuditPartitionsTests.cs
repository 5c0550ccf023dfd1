using Npgsql;

namespace Gateway.Store.Postgres.Tests;

/// <summary>
/// The audit journal partitioned by day of storage (migration 0030): a journal that already has rows is converted in place
/// (its rows, lines and chains as they were, in the first partition), the chain trigger, the append-only triggers and row
/// level security hold across partitions, and <c>audit_partitions_ensure</c> creates each day ahead once.
/// </summary>
public sealed class AuditPartitionsTests
{
    [Fact]
    public async Task Migrate_JournalWithRows_BecomesTheFirstPartitionRowsAndChainsIntact()
    {
        await using var database = await TestDatabases.CreateAsync(migrate: false);
        await new PostgresMigrator(database, [.. PostgresMigration.Embedded.Where(static m => m.Version < 30)], null).MigrateAsync();
        foreach (var tenant in new[] { "acme", "globex" })
        {
            await using var scope = await database.OpenTenantAsync(tenant);
            await TestDatabases.InsertAuditRowAsync(scope, tenant, "r1", 1, TestDatabases.Genesis, TestDatabases.Hash('a'));
            await TestDatabases.InsertAuditRowAsync(scope, tenant, "r1", 2, TestDatabases.Hash('a'), TestDatabases.Hash('b'));
            await scope.CommitAsync();
        }

        Assert.Contains(30, (await new PostgresMigrator(database).MigrateAsync()).Select(static m => m.Version));

        var partitions = await PartitionsAsync(database);
        var today = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        Assert.Equal(("audit_records_before_" + today.AddDays(1).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), (DateTimeOffset?)null, today.AddDays(1)), partitions[0]);
        Assert.Equal(today.AddDays(8), partitions[^1].Upper);
        Assert.Equal(8, partitions.Count);
        Assert.Equal("p", await OwnerScalarAsync<string>(database, "SELECT relkind::text FROM pg_class WHERE oid = 'audit_records'::regclass"));
        Assert.Equal(4L, await OwnerScalarAsync<long>(database, $"SELECT count(*) FROM {partitions[0].Name}"));

        // The chains go on where they were, through the parent, and the link trigger still refuses what does not extend them.
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await TestDatabases.InsertAuditRowAsync(scope, "acme", "r1", 3, TestDatabases.Hash('b'), TestDatabases.Hash('c'));
            await scope.CommitAsync();
        }

        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => TestDatabases.InsertAuditRowAsync(scope, "acme", "r1", 5, TestDatabases.Hash('c'), TestDatabases.Hash('e')));
            Assert.Equal("GA001", error.SqlState);
        }

        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => TestDatabases.InsertAuditRowAsync(scope, "acme", "r1", 1, TestDatabases.Genesis, TestDatabases.Hash('z')));
            Assert.Equal("GA001", error.SqlState);
        }

        await using var acme = await database.OpenTenantAsync("acme");
        await using var read = acme.CreateCommand("SELECT tenant, seq, hash FROM audit_records ORDER BY seq");
        var rows = new List<(string, long, string)>();
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
            }
        }

        Assert.Equal([("acme", 1L, TestDatabases.Hash('a')), ("acme", 2L, TestDatabases.Hash('b')), ("acme", 3L, TestDatabases.Hash('c'))], rows);
    }

    [Fact]
    public async Task Partitions_ApplicationRole_ReachesRowsOnlyThroughTheParentAndItsPolicy()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await TestDatabases.InsertAuditRowAsync(scope, "acme", "r1", 1, TestDatabases.Genesis, TestDatabases.Hash('a'));
            await scope.CommitAsync();
        }

        var partitions = await PartitionsAsync(database);
        await using var globex = await database.OpenTenantAsync("globex");
        await using (var count = globex.CreateCommand("SELECT count(*) FROM audit_records"))
        {
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        }

        await using var direct = globex.CreateCommand($"SELECT count(*) FROM {partitions[0].Name}");
        var error = await Assert.ThrowsAsync<PostgresException>(() => direct.ExecuteScalarAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Theory]
    [InlineData("UPDATE audit_records SET decision = 'deny'")]
    [InlineData("DELETE FROM audit_records")]
    [InlineData("TRUNCATE audit_records")]
    [InlineData("TRUNCATE {partition}")]
    public async Task Partitions_OwnerChangingRecords_IsRefusedAppendOnly(string statement)
    {
        await using var database = await TestDatabases.CreateAsync();
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await TestDatabases.InsertAuditRowAsync(scope, "acme", "r1", 1, TestDatabases.Genesis, TestDatabases.Hash('a'));
            await scope.CommitAsync();
        }

        var partitions = await PartitionsAsync(database);
        await using var connection = await database.OpenOwnerConnectionAsync();
        await using var command = new NpgsqlCommand(statement.Replace("{partition}", partitions[0].Name, StringComparison.Ordinal), connection);

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal("GA002", error.SqlState);
    }

    [Fact]
    public async Task Ensure_CalledAgainWithMoreDays_CreatesOnlyTheMissingDaysOnce()
    {
        await using var database = await TestDatabases.CreateAsync();

        await using (var scope = await database.OpenAsync())
        {
            Assert.Equal(3, await EnsureAsync(scope, 10));
            Assert.Equal(0, await EnsureAsync(scope, 10));
            Assert.Equal(0, await EnsureAsync(scope, 3));
            await scope.CommitAsync();
        }

        var partitions = await PartitionsAsync(database);
        Assert.Equal(11, partitions.Count);
        for (var i = 1; i < partitions.Count; i++)
        {
            Assert.Equal(partitions[i - 1].Upper, partitions[i].Lower);
            Assert.Equal(TimeSpan.FromDays(1), partitions[i].Upper - partitions[i].Lower);
            Assert.Equal("audit_records_p" + partitions[i].Lower!.Value.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), partitions[i].Name);
        }
    }

    [Fact]
    public async Task Maintenance_MoreDaysAhead_CreatesTheMissingPartitionsAndCommitsThem()
    {
        await using var database = await TestDatabases.CreateAsync();
        var maintenance = new PostgresAuditPartitionMaintenance(
            database,
            Microsoft.Extensions.Options.Options.Create(new PostgresStoreOptions { ConnectionString = "Host=unused", AuditPartitionDaysAhead = 9 }),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresAuditPartitionMaintenance>.Instance);

        Assert.Equal(2, await maintenance.EnsureAsync(CancellationToken.None));
        Assert.Equal(0, await maintenance.EnsureAsync(CancellationToken.None));
        Assert.Equal(new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(10), (await PartitionsAsync(database))[^1].Upper);
    }

    private static async Task<int> EnsureAsync(PostgresScope scope, int days)
    {
        await using var command = scope.CreateCommand("SELECT audit_partitions_ensure($1)");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = days });
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<(string Name, DateTimeOffset? Lower, DateTimeOffset Upper)>> PartitionsAsync(PostgresDatabase database)
    {
        await using var connection = await database.OpenOwnerConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT name, lower, upper FROM audit_partitions()", connection);
        var partitions = new List<(string, DateTimeOffset?, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            partitions.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return partitions;
    }

    private static async Task<T> OwnerScalarAsync<T>(PostgresDatabase database, string sql)
    {
        await using var connection = await database.OpenOwnerConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
