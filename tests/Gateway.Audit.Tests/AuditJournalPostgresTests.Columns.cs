using Gateway.Audit.Tests.Infrastructure;
using Gateway.Store.Postgres;
using Gateway.Testing;
using Npgsql;

namespace Gateway.Audit.Tests;

public sealed partial class AuditJournalPostgresTests
{
    [Fact]
    public async Task AppendAsync_Groups_StoreTheColumnsTheirLinesHold()
    {
        // The gateway reads the columns from each line (migration 0017); they must be what the database would read.
        const string Quoted = "agent \"quoted\" \u00e9\u2028\\";
        var journal = TestServices.Journal(CreateSink(), Time);
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => journal.AppendAsync(Entry(i) with
        {
            Agent = i % 2 == 0 ? Quoted : "agent-1",
            Tool = i % 3 == 0 ? null : "crm.update",
            Decision = i % 5 == 0 ? "require_approval" : "allow_and_log",
        }).AsTask()));

        await using var command = postgres.Database.DataSource.CreateCommand("""
            SELECT count(*),
                   count(*) FILTER (WHERE time IS DISTINCT FROM (line::jsonb ->> 'time')::timestamptz
                       OR agent IS DISTINCT FROM line::jsonb ->> 'agent' OR tool IS DISTINCT FROM line::jsonb ->> 'tool'
                       OR decision IS DISTINCT FROM line::jsonb ->> 'decision'
                       OR prev_hash IS DISTINCT FROM line::jsonb ->> 'prev_hash' OR hash IS DISTINCT FROM line::jsonb ->> 'hash'),
                   count(tool)
            FROM audit_records WHERE tenant = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = Tenant });
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal((30L, 0L, 20L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        var quoted = await journal.QueryAsync(Tenant, new AuditQuery { Agent = Quoted, Limit = 100 });
        Assert.Equal(15, quoted.Records.Count);
        Assert.All(quoted.Records, static r => Assert.Equal(Quoted, r.GetProperty("agent").GetString()));
        Assert.Equal(6, (await journal.QueryAsync(Tenant, new AuditQuery { Decision = "require_approval", Limit = 100 })).Records.Count);
        Assert.True((await journal.VerifyAsync(Tenant)).Intact);
    }

    [Fact]
    public async Task AppendAsync_TwoReplicas_TwoChainsBothVerify()
    {
        var replicaA = TestServices.Journal(new PostgresAuditStore(postgres.Database), Time, "replica-a");
        var replicaB = TestServices.Journal(new PostgresAuditStore(postgres.OtherReplica), Time, "replica-b");

        var records = await Task.WhenAll(Enumerable.Range(0, 120).Select(i => Task.Run(async () => await (i % 2 == 0 ? replicaA : replicaB).AppendAsync(Entry(i)))));

        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), records.Where(r => r.Replica == "replica-a").Select(r => r.Seq).Order());
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), records.Where(r => r.Replica == "replica-b").Select(r => r.Seq).Order());
        var result = await replicaA.VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(120, result.Records);
        Assert.Equal(["replica-a", "replica-b"], result.Partitions.Select(p => p.Replica));
    }

    [Fact]
    public async Task TryAppendAsync_StaleExpectedLength_IsAConflictNotAnError()
    {
        await AppendAsync(2);
        var sink = CreateSink();
        var partition = new AuditPartition(Tenant, TestServices.Replica);

        Assert.False(await sink.TryAppendAsync(partition, 1, ["""{"seq":2,"agent":"a","decision":"allow","time":"2026-01-01T00:00:00Z","prev_hash":"x","hash":"y"}"""u8.ToArray()], "y", [], []));
        Assert.Equal(2, (await sink.GetTipAsync(partition)).Length);
    }

    [Fact]
    public async Task TryAppendAsync_OneGroup_TakesOneRoundTrip()
    {
        // One pooled connection, so the statements it prepared can be read back from it below.
        var connection = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { MaxPoolSize = 1 };
        await using var relay = RoundTripCountingRelay.Start(connection.Port);
        connection.Port = relay.Port;
        await using var database = PostgresDatabase.Create(new PostgresStoreOptions { ConnectionString = connection.ConnectionString });
        var journal = TestServices.Journal(new PostgresAuditStore(database), Time);
        await journal.AppendAsync(Entry(0)); // reads the tip once and opens the pooled connection

        // Enough groups to cross automatic preparation (the statements are prepared in the same round trip).
        var roundTrips = new List<long>();
        for (var i = 1; i <= 8; i++)
        {
            var before = relay.RoundTrips;
            await journal.AppendAsync(Entry(i));
            roundTrips.Add(relay.RoundTrips - before);
        }

        Assert.Equal(Enumerable.Repeat(1L, 8), roundTrips);
        var result = await journal.VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(9, result.Records);
        await using var prepared = database.DataSource.CreateCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%INSERT INTO audit_records%'");
        Assert.Equal(1L, (long)(await prepared.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task AppendAsync_FoldedGroup_StoresEveryRequestIdItsLinesName()
    {
        await AppendFoldedGroupAsync();

        var rows = await ReadRequestIdsAsync(postgres.Database, Tenant);

        // What the gateway sent is what migration 0018's backfill reads from the same line (audit_request_ids).
        Assert.All(rows, static row => Assert.Equal(row.FromLine, row.Column));
        Assert.Equal(FoldedGroupRequestIds, rows.Select(static row => row.Column));
    }

    [Fact]
    public async Task QueryAsync_ByRequestId_AnswersFromTheIndexedColumnWithItsPaging()
    {
        await AppendFoldedGroupAsync();
        var reader = TestServices.Journal(CreateSink(), Time);

        // req-2's decision and its outcome are two folded records; a page of one, then the next.
        var first = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "req-2", Limit = 1 });
        var second = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "req-2", Limit = 1, After = first.Next });
        var refusal = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "rl-2", Decision = "refused:rate_limited" });
        var otherDecision = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "rl-2", Decision = "allow" });

        // The owner rewrites one row's column and not its line: the store answers from the column, not from the line.
        await postgres.ExecuteAsOwnerAsync($"""
            BEGIN;
            ALTER TABLE audit_records DISABLE TRIGGER audit_records_immutable;
            UPDATE audit_records SET request_ids = ARRAY['only-in-the-column'] WHERE tenant = '{Tenant}' AND seq = 3;
            ALTER TABLE audit_records ENABLE TRIGGER audit_records_immutable;
            COMMIT;
            """);
        var byColumn = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "only-in-the-column" });
        var byLineOnly = await reader.QueryAsync(Tenant, new AuditQuery { RequestId = "rl-2" });

        Assert.Equal(2, Assert.Single(first.Records).GetProperty("seq").GetInt64());
        Assert.NotNull(first.Next);
        Assert.Equal(4, Assert.Single(second.Records).GetProperty("seq").GetInt64());
        Assert.Null(second.Next);
        Assert.Equal(2, Assert.Single(refusal.Records).GetProperty("count").GetInt32());
        Assert.Empty(otherDecision.Records);
        Assert.Equal(3, Assert.Single(byColumn.Records).GetProperty("seq").GetInt64());
        Assert.Empty(byLineOnly.Records);
    }

    [Fact]
    public async Task QueryAsync_ByRequestId_IsPlannedOnTheRequestIdIndex()
    {
        // A journal of 5,000 rows, each naming one request, analysed: what the planner does with the store's statement.
        await using var database = new PostgresDatabase(NpgsqlDataSource.Create(await (await PostgresServer.Shared).CreateDatabaseAsync()), TimeSpan.FromSeconds(30));
        await new PostgresMigrator(database).MigrateAsync();
        await using (var fill = database.DataSource.CreateCommand($$"""
            INSERT INTO audit_records (tenant, replica, seq, time, agent, decision, prev_hash, hash, line, request_ids)
            SELECT '{{Tenant}}', 'r1', k, now() + make_interval(secs => k), 'agent', 'allow',
                   CASE WHEN k = 1 THEN repeat('0', 64) ELSE md5((k - 1)::text) || md5((k - 1)::text) END,
                   md5(k::text) || md5(k::text), '{}', ARRAY['q-' || k]
            FROM generate_series(1, 5000) AS k;
            ANALYZE audit_records;
            """))
        {
            await fill.ExecuteNonQueryAsync();
        }

        var query = new AuditQuery { RequestId = "q-2500" };
        var plan = await PlanAsync(database, query);

        // The journal is partitioned by day (migration 0030): the index is each partition's copy of audit_records_request_ids.
        Assert.Contains(plan, static line => System.Text.RegularExpressions.Regex.IsMatch(line, @"Bitmap Index Scan on audit_records_\w*request_ids"));
        Assert.Single((await new PostgresAuditStore(database).QueryAsync(Tenant, query)).Records);
    }

    [Fact]
    public async Task QueryAsync_ByRun_IsPlannedOnTheRunIndex()
    {
        // 5,000 rows, one run every 100 of them, analysed: a run's timeline reads the (tenant, run_id, time) index.
        await using var database = new PostgresDatabase(NpgsqlDataSource.Create(await (await PostgresServer.Shared).CreateDatabaseAsync()), TimeSpan.FromSeconds(30));
        await new PostgresMigrator(database).MigrateAsync();
        await using (var fill = database.DataSource.CreateCommand($$"""
            INSERT INTO audit_records (tenant, replica, seq, time, agent, decision, prev_hash, hash, line, request_ids, run_id)
            SELECT '{{Tenant}}', 'r1', k, now() + make_interval(secs => k), 'agent', 'allow',
                   CASE WHEN k = 1 THEN repeat('0', 64) ELSE md5((k - 1)::text) || md5((k - 1)::text) END,
                   md5(k::text) || md5(k::text), '{}', '{}', 'run-' || md5((k / 100)::text)
            FROM generate_series(1, 5000) AS k;
            ANALYZE audit_records;
            """))
        {
            await fill.ExecuteNonQueryAsync();
        }

        var query = new AuditQuery { RunId = "run-" + Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData("25"u8)) };
        var plan = await PlanAsync(database, query);

        // The journal is partitioned by day (migration 0030): the index is each partition's copy of audit_records_tenant_run_time.
        Assert.Contains(plan, static line => System.Text.RegularExpressions.Regex.IsMatch(line, @"Index Scan (using|on) audit_records_\w*(tenant_run_time|tenant_run_id_time)"));
        Assert.Equal(100, (await new PostgresAuditStore(database).QueryAsync(Tenant, query with { Limit = 1000 })).Records.Count);
    }

    [Fact]
    public async Task QueryAsync_RowsWrittenBeforeMigration0018_AreFoundByEveryRequestIdTheyName()
    {
        // The same records in a database at migration 0017 (no request_ids column), upgraded with them in it.
        await AppendFoldedGroupAsync();
        await using var upgraded = new PostgresDatabase(NpgsqlDataSource.Create(await (await PostgresServer.Shared).CreateDatabaseAsync()), TimeSpan.FromSeconds(30));
        await new PostgresMigrator(upgraded, [.. PostgresMigration.Embedded.Where(static m => m.Version < 18)], null).MigrateAsync();
        await CopyJournalAsync(upgraded);

        var applied = await new PostgresMigrator(upgraded).MigrateAsync();
        var journal = TestServices.Journal(new PostgresAuditStore(upgraded), Time);
        var decisionAndOutcome = await journal.QueryAsync(Tenant, new AuditQuery { RequestId = "req-1" });
        var refusal = await journal.QueryAsync(Tenant, new AuditQuery { RequestId = "rl-1" });
        var own = await journal.QueryAsync(Tenant, new AuditQuery { RequestId = "req-0" });

        Assert.Contains(18, applied.Select(static m => m.Version));
        Assert.Equal(FoldedGroupRequestIds, (await ReadRequestIdsAsync(upgraded, Tenant)).Select(static row => row.Column));
        Assert.Equal([2L, 4L], decisionAndOutcome.Records.Select(static r => r.GetProperty("seq").GetInt64()));
        Assert.Equal(3, Assert.Single(refusal.Records).GetProperty("seq").GetInt64());
        Assert.Equal(1, Assert.Single(own.Records).GetProperty("seq").GetInt64());
        var verified = await journal.VerifyAsync(Tenant);
        Assert.True(verified.Intact, verified.Reason);
        Assert.Equal(5, verified.Records);
    }

    /// <summary>The request ids of <see cref="AppendFoldedGroupAsync"/>'s records, by seq (empty: a record naming none).</summary>
    private static readonly string[]?[] FoldedGroupRequestIds = [["req-0"], ["req-1", "req-2"], ["rl-1", "rl-2"], ["req-1", "req-2"], []];

    /// <summary>
    /// Entry(0) as a group of its own, then one group: two outcomes, two repeated refusals, two decisions (each folding
    /// into one record: seq 2, 3, 4) and a record that names no request (seq 5).
    /// </summary>
    private async Task AppendFoldedGroupAsync()
    {
        var (journal, sink, first) = await HoldFirstGroupAsync();
        var group = new[]
        {
            journal.AppendAsync(Outcome("crm.update", "allow", "req-1", 200, 200, 1)).AsTask(),
            journal.AppendAsync(Outcome("crm.update", "allow", "req-2", 200, 200, 2)).AsTask(),
            journal.AppendAsync(Refused("agent-1", "crm.update", "rate_limited", 429, "rl-1")).AsTask(),
            journal.AppendAsync(Refused("agent-1", "crm.update", "rate_limited", 429, "rl-2")).AsTask(),
            journal.AppendAsync(Decided(1)).AsTask(),
            journal.AppendAsync(Decided(2)).AsTask(),
            journal.AppendAsync(Entry(5) with { RequestId = null }).AsTask(),
        };
        sink.Release.SetResult();
        await Task.WhenAll([first, .. group]);
    }

    /// <summary>What the planner does with the store's statement for <paramref name="query"/>, line by line.</summary>
    private async Task<List<string>> PlanAsync(PostgresDatabase database, AuditQuery query)
    {
        await using var explain = database.DataSource.CreateCommand("EXPLAIN " + PostgresAuditStore.QuerySql(query));
        PostgresAuditStore.AddQueryParameters(explain.Parameters, Tenant, query);
        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(0));
        }

        return plan;
    }

    /// <summary>Each row's request_ids column beside what <c>audit_request_ids</c> (migration 0018) reads from its line, by seq.</summary>
    private static async Task<List<(string[]? Column, string[]? FromLine)>> ReadRequestIdsAsync(PostgresDatabase database, string tenant)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT request_ids, audit_request_ids(line) FROM audit_records WHERE tenant = $1 ORDER BY seq");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        var rows = new List<(string[]?, string[]?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.IsDBNull(0) ? null : reader.GetFieldValue<string[]>(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<string[]>(1)));
        }

        return rows;
    }
}
