using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Gateway.Store.Postgres.Tests;

/// <summary>
/// The link check on groups (migration 0017): one multi-row INSERT is checked as a whole, row by row in seq
/// order, against its chain's tip, and moves the tip once.
/// </summary>
public sealed class AuditChainGroupTests
{
    // Rows $1..$2 of chain acme/$3 as one statement; row k's hash is md5(k) twice, its prev_hash row k-1's (genesis
    // for k = 1), except at seq $4 (a link that does not hold); seq $5 is left out (a gap).
    private const string InsertGroup = """
        INSERT INTO audit_records (tenant, replica, seq, time, agent, decision, prev_hash, hash, line)
        SELECT 'acme', $3, k, now(), 'agent', 'allow',
               CASE WHEN k = $4 THEN repeat('f', 64) WHEN k = 1 THEN repeat('0', 64) ELSE md5((k - 1)::text) || md5((k - 1)::text) END,
               md5(k::text) || md5(k::text), '{}'
        FROM generate_series($1::bigint, $2::bigint) AS k
        WHERE k <> $5
        """;

    [Fact]
    public async Task Insert_GroupOfRows_MovesTheTipOnce()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using var scope = await database.OpenTenantAsync("acme");

        await InsertGroupAsync(scope, 1, 16);
        var genesis = await TipWritesAsync(scope);
        await InsertGroupAsync(scope, 17, 48);
        var next = await TipWritesAsync(scope);

        Assert.Equal((1L, 0L), genesis);
        Assert.Equal((1L, 1L), next);
        Assert.Equal(new AuditTipRow(48, Hash(48)), await ReadTipAsync(scope, "r1"));
    }

    [Theory]
    [InlineData(5, 0)] // a row in the middle that does not link to the row before it
    [InlineData(0, 5)] // a gap in the middle
    [InlineData(1, 0)] // the first row does not link to the (genesis) tip
    public async Task Insert_GroupThatBreaksItsChainAnywhere_IsRefusedWhole(long brokenAt, long skipped)
    {
        await using var database = await TestDatabases.CreateAsync();
        await using var scope = await database.OpenTenantAsync("acme");

        var error = await Assert.ThrowsAsync<PostgresException>(() => InsertGroupAsync(scope, 1, 8, brokenAt: brokenAt, skipped: skipped));

        Assert.Equal("GA001", error.SqlState);
    }

    [Fact]
    public async Task Insert_GroupNotAtTheTip_IsRefusedAndTheTipStays()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await InsertGroupAsync(scope, 1, 4);
            await scope.CommitAsync();
        }

        await using (var ahead = await database.OpenTenantAsync("acme"))
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => InsertGroupAsync(ahead, 6, 9));
            Assert.Equal("GA001", error.SqlState);
        }

        await using var read = await database.OpenTenantAsync("acme");
        Assert.Equal(new AuditTipRow(4, Hash(4)), await ReadTipAsync(read, "r1"));
    }

    [Fact]
    public async Task Insert_TwoChainsInOneStatement_EachLinksToItsOwnTip()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using var scope = await database.OpenTenantAsync("acme");
        await InsertGroupAsync(scope, 1, 3, replica: "r1");

        // One statement: rows 4..6 of r1 (which has 1..3) and rows 1..2 of r2 (a new chain).
        await using var command = scope.CreateCommand("""
            INSERT INTO audit_records (tenant, replica, seq, time, agent, decision, prev_hash, hash, line)
            SELECT 'acme', r, k, now(), 'agent', 'allow',
                   CASE WHEN k = 1 THEN repeat('0', 64) ELSE md5((k - 1)::text) || md5((k - 1)::text) END,
                   md5(k::text) || md5(k::text), '{}'
            FROM (SELECT 'r1', generate_series(4, 6) UNION ALL SELECT 'r2', generate_series(1, 2)) AS x(r, k)
            """);
        await command.ExecuteNonQueryAsync();

        Assert.Equal(new AuditTipRow(6, Hash(6)), await ReadTipAsync(scope, "r1"));
        Assert.Equal(new AuditTipRow(2, Hash(2)), await ReadTipAsync(scope, "r2"));
    }

    [Fact]
    public async Task Migrate_ChainWrittenUnderTheRowTrigger_ContinuesUnderTheStatementTrigger()
    {
        await using var database = await TestDatabases.CreateAsync(migrate: false);
        await new PostgresMigrator(database, [.. PostgresMigration.Embedded.Where(static m => m.Version < 17)], null).MigrateAsync();
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await InsertGroupAsync(scope, 1, 5);
            await scope.CommitAsync();
        }

        Assert.Contains(17, (await new PostgresMigrator(database).MigrateAsync()).Select(static m => m.Version));

        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => InsertGroupAsync(scope, 6, 8, brokenAt: 6));
            Assert.Equal("GA001", error.SqlState);
        }

        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await InsertGroupAsync(scope, 6, 8);
            Assert.Equal(new AuditTipRow(8, Hash(8)), await ReadTipAsync(scope, "r1"));
        }
    }

    private static async Task InsertGroupAsync(PostgresScope scope, long first, long last, string replica = "r1", long brokenAt = 0, long skipped = 0)
    {
        await using var command = scope.CreateCommand(InsertGroup);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = first });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = last });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = replica });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = brokenAt });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = skipped });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Rows of <c>audit_chains</c> inserted and updated so far by this transaction.</summary>
    private static async Task<(long Inserted, long Updated)> TipWritesAsync(PostgresScope scope)
    {
        await using var command = scope.CreateCommand("SELECT n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'audit_chains'");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<AuditTipRow?> ReadTipAsync(PostgresScope scope, string replica)
    {
        await using var command = scope.CreateCommand("SELECT length, last_hash FROM audit_chains WHERE tenant = 'acme' AND replica = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = replica });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new AuditTipRow(reader.GetInt64(0), reader.GetString(1)) : null;
    }

    private static string Hash(long seq)
    {
        var md5 = Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(seq.ToString(CultureInfo.InvariantCulture))));
        return md5 + md5;
    }

    private sealed record AuditTipRow(long Length, string LastHash);
}
