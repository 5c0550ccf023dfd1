using Npgsql;

namespace Gateway.Store.Postgres.Tests;

/// <summary>
/// The request ids a row names (migration 0018): <c>request_ids</c>, backfilled from the lines of rows written before it,
/// with what <c>audit_request_ids</c> reads from a line (empty: names none; null: not a JSON object), and filled the same
/// way for a row inserted without it (a gateway of the previous version).
/// </summary>
public sealed class AuditRequestIdsTests
{
    // Lines of every shape a journal writes, and some it never does (a hand edit): each with the ids it names.
    private static readonly (string Line, string[]? RequestIds)[] Lines =
    [
        ("""{"seq":1,"request_id":"own"}""", ["own"]),
        ("""{"seq":2,"count":3,"request_ids":["rl-1","rl-2",7,null,"rl-3"]}""", ["rl-1", "rl-2", "rl-3"]),
        ("""{"seq":3,"outcomes":[{"request_id":"out-1","status_code":200},"x",{"status_code":500},{"request_id":"out-\u00e9\"2"}]}""", ["out-1", "out-é\"2"]),
        ("""{"seq":4,"decisions":[{"request_id":"dec-1","intent_digest":"i1"},{"request_id":"dec-2"}],"request_id":"own-4"}""", ["own-4", "dec-1", "dec-2"]),
        ("""{"seq":5,"decision":"allow"}""", []),
        ("""{"seq":6,"request_id":null,"request_ids":"rl","outcomes":{"request_id":"x"}}""", []),
        ("not json", null),
        ("""["request_id"]""", null),
    ];

    [Fact]
    public async Task Migrate_RowsWrittenBefore0018_NameTheirRequestIdsFromTheirLines()
    {
        await using var database = await TestDatabases.CreateAsync(migrate: false);
        await new PostgresMigrator(database, [.. PostgresMigration.Embedded.Where(static m => m.Version < 18)], null).MigrateAsync();
        await using (var scope = await database.OpenTenantAsync("acme"))
        {
            await using var insert = scope.CreateCommand("""
                INSERT INTO audit_records (tenant, replica, seq, time, agent, decision, prev_hash, hash, line)
                SELECT 'acme', 'r1', k, now(), 'agent', 'allow',
                       CASE WHEN k = 1 THEN repeat('0', 64) ELSE md5((k - 1)::text) || md5((k - 1)::text) END,
                       md5(k::text) || md5(k::text), l
                FROM unnest($1::text[]) WITH ORDINALITY AS x(l, k)
                """);
            insert.Parameters.Add(new NpgsqlParameter { Value = Lines.Select(static l => l.Line).ToArray() });
            await insert.ExecuteNonQueryAsync();
            await scope.CommitAsync();
        }

        var applied = await new PostgresMigrator(database, [.. PostgresMigration.Embedded.Where(static m => m.Version <= 18)], null).MigrateAsync();

        Assert.Equal([18], applied.Select(static m => m.Version));
        await using var read = await database.OpenTenantAsync("acme");
        await using var command = read.CreateCommand("SELECT line, request_ids FROM audit_records ORDER BY seq");
        var rows = new List<(string Line, string[]? RequestIds)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<string[]>(1)));
            }
        }

        // Every line as it was (the hashes cover them), each with its ids.
        Assert.Equal(Lines.Select(static l => l.Line), rows.Select(static r => r.Line));
        Assert.Equal(Lines.Select(static l => l.RequestIds), rows.Select(static r => r.RequestIds));
    }

    [Fact]
    public async Task Insert_RowWithoutRequestIds_GetsThemFromItsLine()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using var scope = await database.OpenTenantAsync("acme");
        await using (var insert = scope.CreateCommand("""
            INSERT INTO audit_records (tenant, replica, seq, time, agent, decision, prev_hash, hash, line, request_ids)
            VALUES ('acme', 'r1', 1, now(), 'agent', 'allow', repeat('0', 64), repeat('a', 64), $1, NULL),
                   ('acme', 'r1', 2, now(), 'agent', 'allow', repeat('a', 64), repeat('b', 64), $1, ARRAY['sent'])
            """))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = """{"decisions":[{"request_id":"d-1"},{"request_id":"d-2"}]}""" });
            await insert.ExecuteNonQueryAsync();
        }

        await using var read = scope.CreateCommand("SELECT request_ids FROM audit_records ORDER BY seq");
        var columns = new List<string[]>();
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add(reader.GetFieldValue<string[]>(0));
            }
        }

        // The row the gateway sent with its column keeps it.
        Assert.Equal([["d-1", "d-2"], ["sent"]], columns);
    }

    [Fact]
    public async Task Migrate_0018_LeavesTheJournalAppendOnly()
    {
        await using var database = await TestDatabases.CreateAsync();
        await using var scope = await database.OpenTenantAsync("acme");
        await TestDatabases.InsertAuditRowAsync(scope, "acme", "r1", 1, TestDatabases.Genesis, TestDatabases.Hash('a'));
        await scope.CommitAsync();

        // The backfill turned the append-only trigger off for its own transaction only.
        await using var owner = database.DataSource.CreateCommand("UPDATE audit_records SET request_ids = ARRAY['x']");
        var error = await Assert.ThrowsAsync<PostgresException>(() => owner.ExecuteNonQueryAsync());

        Assert.Equal("GA002", error.SqlState);
    }
}
