namespace Gateway.Store.Postgres.Tests;

/// <summary>
/// The admin tokens of one tenant (the per-tenant listing and the live-token count filter on <c>tenant</c>) are found
/// through an index on <c>admin_tokens (tenant)</c> (migration 0038), not by reading every token of every tenant.
/// </summary>
public sealed class AdminTokenTenantIndexTests
{
    [Fact]
    public async Task Migrate_AdminTokensOfOneTenant_AreReadThroughTheTenantIndex()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var noSeqScan = connection.CreateCommand())
        {
            noSeqScan.CommandText = "SET enable_seqscan = off";
            await noSeqScan.ExecuteNonQueryAsync();
        }

        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN SELECT name FROM admin_tokens WHERE tenant = 'acme' AND NOT revoked";
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        Assert.Contains(plan, static line => line.Contains("admin_tokens_tenant", StringComparison.Ordinal));
    }

    [Fact]
    public void Embedded_0038_IsTheAdminTokensTenantIndex()
    {
        var migration = Assert.Single(PostgresMigration.Embedded, static m => m.Version == 38);

        Assert.Equal("admin_tokens_tenant", migration.Name);
    }
}
