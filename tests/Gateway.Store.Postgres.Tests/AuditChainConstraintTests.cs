using Npgsql;

namespace Gateway.Store.Postgres.Tests;

/// <summary>The database itself refuses a row that does not extend its chain, and any rewrite of a stored one.</summary>
public sealed class AuditChainConstraintTests
{
    [Theory]
    [InlineData(3, 'a')] // a gap in the sequence
    [InlineData(2, 'c')] // the right place, the wrong previous hash
    [InlineData(1, '0')] // a second genesis
    public async Task Insert_RowThatDoesNotExtendTheTip_IsRefused(long seq, char prev)
    {
        await using var database = await TestDatabases.CreateAsync();
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await TestDatabases.InsertAuditRowAsync(scope, "acme", "r1", 1, TestDatabases.Genesis, TestDatabases.Hash('a'));
            await scope.CommitAsync();
        }

        await using var bad = await database.OpenTenantAsync("acme");
        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            TestDatabases.InsertAuditRowAsync(bad, "acme", "r1", seq, TestDatabases.Hash(prev), TestDatabases.Hash('b')));

        Assert.True(error.SqlState is "GA001" or PostgresErrorCodes.UniqueViolation, error.SqlState);
    }

    [Fact]
    public async Task Insert_FirstRowNotAtGenesis_IsRefused()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using var scope = await database.OpenTenantAsync("acme");

        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            TestDatabases.InsertAuditRowAsync(scope, "acme", "r1", 1, TestDatabases.Hash('f'), TestDatabases.Hash('a')));

        Assert.Equal("GA001", error.SqlState);
    }

    [Fact]
    public async Task Owner_UpdateWithoutDisablingTheTrigger_IsRefused()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await TestDatabases.InsertAuditRowAsync(scope, "acme", "r1", 1, TestDatabases.Genesis, TestDatabases.Hash('a'));
            await scope.CommitAsync();
        }

        await using var update = database.DataSource.CreateCommand("UPDATE audit_records SET decision = 'block'");
        var error = await Assert.ThrowsAsync<PostgresException>(() => update.ExecuteNonQueryAsync());

        Assert.Equal("GA002", error.SqlState);
    }
}
