using Npgsql;

namespace Gateway.Store.Postgres.Tests;

public sealed class TenantIsolationTests
{
    [Fact]
    public async Task OpenTenantAsync_UnscopedSelect_ReturnsOnlyTheSessionTenantsRows()
    {
        await using var database = await TestDatabases.CreateAsync();
        foreach (var tenant in new[] { "acme", "globex" })
        {
            await using var scope = await database.OpenTenantAsync(tenant);
            await TestDatabases.InsertAuditRowAsync(scope, tenant, "r1", 1, TestDatabases.Genesis, TestDatabases.Hash('a'));
            await TestDatabases.InsertAuditRowAsync(scope, tenant, "r1", 2, TestDatabases.Hash('a'), TestDatabases.Hash('b'));
            await scope.CommitAsync();
        }

        await using var acme = await database.OpenTenantAsync("acme");
        await using var everything = acme.CreateCommand("SELECT * FROM audit_records");
        var tenants = new List<string>();
        await using (var reader = await everything.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tenants.Add(reader.GetString(reader.GetOrdinal("tenant")));
            }
        }

        Assert.Equal(["acme", "acme"], tenants);
        await using var chains = acme.CreateCommand("SELECT count(*) FROM audit_chains");
        Assert.Equal(1L, (long)(await chains.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task OpenAsync_NoTenant_SeesNoTenantRows()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await TestDatabases.InsertAuditRowAsync(scope, "acme", "r1", 1, TestDatabases.Genesis, TestDatabases.Hash('a'));
            await scope.CommitAsync();
        }

        await using var none = await database.OpenAsync();
        await using var count = none.CreateCommand("SELECT count(*) FROM audit_records");

        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task OpenTenantAsync_InsertForAnotherTenant_IsRefusedByThePolicy()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using var scope = await database.OpenTenantAsync("acme");

        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            TestDatabases.InsertAuditRowAsync(scope, "globex", "r1", 1, TestDatabases.Genesis, TestDatabases.Hash('a')));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Theory]
    [InlineData("UPDATE audit_records SET decision = 'block'")]
    [InlineData("DELETE FROM audit_records")]
    [InlineData("UPDATE audit_chains SET length = 0")]
    public async Task ApplicationRole_CannotRewriteTheJournal(string sql)
    {
        await using var database = await TestDatabases.CreateAsync();
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await TestDatabases.InsertAuditRowAsync(scope, "acme", "r1", 1, TestDatabases.Genesis, TestDatabases.Hash('a'));
            await scope.CommitAsync();
        }

        await using var app = await database.OpenTenantAsync("acme");
        await using var command = app.CreateCommand(sql);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task ApplicationRole_IsNotTheTablesOwner()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using var scope = await database.OpenTenantAsync("acme");
        await using var command = scope.CreateCommand(
            "SELECT current_user, (SELECT tableowner FROM pg_tables WHERE tablename = 'audit_records')");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());

        Assert.Equal(PostgresDatabase.ApplicationRole, reader.GetString(0));
        Assert.NotEqual(PostgresDatabase.ApplicationRole, reader.GetString(1));
    }

    [Fact]
    public async Task TenantSetting_LastsOnlyForItsTransaction()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await scope.CommitAsync();
        }

        // The pool hands the same physical connection back: neither the role nor the tenant survives.
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT current_user <> $1, coalesce(current_setting('gamut.tenant', true), '')", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = PostgresDatabase.ApplicationRole });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());

        Assert.True(reader.GetBoolean(0));
        Assert.Equal(string.Empty, reader.GetString(1));
    }
}
