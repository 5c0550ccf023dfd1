using Npgsql;

namespace Gateway.Store.Postgres.Tests;

/// <summary>
/// The run a row names (migration 0019): <c>run_id</c>, NULL for every row written before it (no earlier gateway wrote a
/// run), indexed with the tenant and time for a run's timeline, and the journal still append-only.
/// </summary>
public sealed class AuditRunIdsTests
{
    [Fact]
    public async Task Migrate_0019_AddsTheRunColumnNullForEarlierRowsAndKeepsTheirLines()
    {
        await using var database = await TestDatabases.CreateAsync(migrate: false);
        await new PostgresMigrator(database, [.. PostgresMigration.Embedded.Where(static m => m.Version < 19)], null).MigrateAsync();
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await using var insert = scope.CreateCommand("""
                INSERT INTO audit_records (tenant, replica, seq, time, agent, decision, prev_hash, hash, line, request_ids)
                VALUES ('acme', 'r1', 1, now(), 'agent', 'allow', repeat('0', 64), repeat('a', 64), '{"seq":1}', '{}')
                """);
            await insert.ExecuteNonQueryAsync();
            await scope.CommitAsync();
        }

        var applied = await new PostgresMigrator(database, [.. PostgresMigration.Embedded.Where(static m => m.Version <= 19)], null).MigrateAsync();

        Assert.Equal([19], applied.Select(static m => m.Version));
        await using var read = await database.OpenTenantAsync("acme");
        await using (var command = read.CreateCommand("SELECT line, run_id FROM audit_records"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal("""{"seq":1}""", reader.GetString(0));
            Assert.True(reader.IsDBNull(1));
        }

        // Not even the owner fills the column in afterwards: the journal stays append-only.
        await using var update = database.DataSource.CreateCommand("UPDATE audit_records SET run_id = 'run-x'");
        var refused = await Assert.ThrowsAsync<PostgresException>(() => update.ExecuteNonQueryAsync());
        Assert.Equal("GA002", refused.SqlState);
    }
}
