using Npgsql;

namespace Gateway.Store.Postgres.Tests;

/// <summary>
/// <c>audit_receipt_batches</c> (migration 0034) as the application role sees it: each tenant reads and writes only its
/// own batches, and a stored batch is never updated or deleted (retention removes them through the anchor trigger).
/// </summary>
public sealed class AuditReceiptBatchesTests
{
    private const string Insert = """
        INSERT INTO audit_receipt_batches (tenant, replica, first_seq, last_seq, iat, signed_root, seqs, request_ids)
        VALUES ($1, 'r1', 1, 2, 1700000000, 'h.p.s', ARRAY[1, 2]::bigint[], ARRAY['req-1', 'req-2'])
        """;

    [Fact]
    public async Task OpenTenantAsync_UnscopedSelect_ReturnsOnlyTheSessionTenantsBatches()
    {
        await using var database = await TestDatabases.CreateAsync();
        foreach (var tenant in new[] { "acme", "globex" })
        {
            await using var scope = await database.OpenTenantAsync(tenant);
            await InsertAsync(scope, tenant);
            await scope.CommitAsync();
        }

        await using var acme = await database.OpenTenantAsync("acme");
        await using var everything = acme.CreateCommand("SELECT tenant FROM audit_receipt_batches");
        var tenants = new List<string>();
        await using (var reader = await everything.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tenants.Add(reader.GetString(0));
            }
        }

        Assert.Equal(["acme"], tenants);
    }

    [Fact]
    public async Task OpenTenantAsync_InsertForAnotherTenant_IsRefusedByThePolicy()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using var scope = await database.OpenTenantAsync("acme");

        var error = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(scope, "globex"));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Theory]
    [InlineData("UPDATE audit_receipt_batches SET signed_root = 'x.y.z'")]
    [InlineData("DELETE FROM audit_receipt_batches")]
    public async Task ApplicationRole_CannotRewriteAStoredBatch(string sql)
    {
        await using var database = await TestDatabases.CreateAsync();
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await InsertAsync(scope, "acme");
            await scope.CommitAsync();
        }

        await using var app = await database.OpenTenantAsync("acme");
        await using var command = app.CreateCommand(sql);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task Insert_MembersAndRequestIdsOfDifferentLengths_IsRefused()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using var scope = await database.OpenTenantAsync("acme");
        await using var command = scope.CreateCommand("""
            INSERT INTO audit_receipt_batches (tenant, replica, first_seq, last_seq, iat, signed_root, seqs, request_ids)
            VALUES ('acme', 'r1', 1, 2, 1700000000, 'h.p.s', ARRAY[1, 2]::bigint[], ARRAY['req-1'])
            """);

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    private static async Task InsertAsync(PostgresScope scope, string tenant)
    {
        await using var command = scope.CreateCommand(Insert);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await command.ExecuteNonQueryAsync();
    }
}
