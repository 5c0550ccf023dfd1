using System.Text.Json.Nodes;
using Gateway.Oversight.Audit;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Policy.AuditChain;
using Gateway.Store.Postgres;
using Gateway.Testing;
using Npgsql;

namespace Gateway.Oversight.Tests;

/// <summary>The shared journal suite (<see cref="AuditJournalTests"/>) against PostgreSQL, plus hand edits made in SQL by the owner.</summary>
public sealed class AuditJournalPostgresTests(PostgresFixture postgres) : AuditJournalTests, IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task VerifyAsync_RowUpdatedInSqlByTheOwner_IsNamedAsHashMismatch()
    {
        await AppendAsync(5);
        await postgres.ExecuteAsOwnerAsync($"""
            BEGIN;
            ALTER TABLE audit_records DISABLE TRIGGER audit_records_immutable;
            UPDATE audit_records SET line = replace(line, '"status_code":200', '"status_code":403') WHERE tenant = '{Tenant}' AND seq = 3;
            ALTER TABLE audit_records ENABLE TRIGGER audit_records_immutable;
            COMMIT;
            """);

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.False(result.Intact);
        Assert.Equal(TestServices.Replica, result.Replica);
        Assert.Equal(2, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.HashMismatch, result.Reason);
    }

    [Fact]
    public async Task VerifyAsync_RowDeletedInSqlByTheOwner_IsNamedAsSequenceGap()
    {
        await AppendAsync(5);
        await postgres.ExecuteAsOwnerAsync($"""
            BEGIN;
            ALTER TABLE audit_records DISABLE TRIGGER audit_records_immutable;
            DELETE FROM audit_records WHERE tenant = '{Tenant}' AND seq = 2;
            ALTER TABLE audit_records ENABLE TRIGGER audit_records_immutable;
            COMMIT;
            """);

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.False(result.Intact);
        Assert.Equal(1, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.SequenceGap, result.Reason);
    }

    [Fact]
    public async Task VerifyAsync_RowInsertedInSqlByTheOwner_IsNamed()
    {
        var records = await AppendAsync(5);
        var forged = new JsonObject
        {
            ["seq"] = 6,
            ["time"] = Time.GetUtcNow().ToString("O"),
            ["tenant"] = Tenant,
            ["agent"] = "agent-1",
            ["decision"] = "allow",
            ["status_code"] = 200,
            ["invoked"] = true,
            ["replica"] = TestServices.Replica,
            ["prev_hash"] = records[^1].Hash,
            ["hash"] = new string('f', 64),
        };
        await postgres.ExecuteAsOwnerAsync($"""
            BEGIN;
            ALTER TABLE audit_records DISABLE TRIGGER audit_records_link;
            INSERT INTO audit_records (tenant, replica, seq, time, agent, decision, prev_hash, hash, line)
                VALUES ('{Tenant}', '{TestServices.Replica}', 6, now(), 'agent-1', 'allow', '{records[^1].Hash}', '{new string('f', 64)}', '{forged.ToJsonString().Replace("'", "''", StringComparison.Ordinal)}');
            ALTER TABLE audit_records ENABLE TRIGGER audit_records_link;
            COMMIT;
            """);

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.False(result.Intact);
        Assert.Equal(5, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.HashMismatch, result.Reason);
    }

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

        Assert.False(await sink.TryAppendAsync(partition, 1, ["""{"seq":2,"agent":"a","decision":"allow","time":"2026-01-01T00:00:00Z","prev_hash":"x","hash":"y"}"""u8.ToArray()], "y", []));
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

    protected override IAuditStore CreateSink() => new PostgresAuditStore(postgres.Database);

    protected override IReadOnlyList<AuditJournal> CreateConcurrentJournals() =>
        [TestServices.Journal(new PostgresAuditStore(postgres.Database), Time), TestServices.Journal(new PostgresAuditStore(postgres.OtherReplica), Time)];

    protected override async Task<List<string>> ReadRawAsync()
    {
        await using var command = postgres.Database.DataSource.CreateCommand("SELECT line FROM audit_records WHERE tenant = $1 AND replica = $2 ORDER BY seq");
        command.Parameters.Add(new NpgsqlParameter { Value = Tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = TestServices.Replica });
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }

    protected override async Task<long> CountExplanationsAsync()
    {
        await using var command = postgres.Database.DataSource.CreateCommand("SELECT count(*) FROM audit_explanations WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = Tenant });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    protected override Task ReplaceExplanationsAsync(string digest, string explanation) => postgres.ExecuteAsOwnerAsync($"""
        BEGIN;
        ALTER TABLE audit_explanations DISABLE TRIGGER USER;
        DELETE FROM audit_explanations WHERE tenant = '{Tenant}';
        INSERT INTO audit_explanations (tenant, digest, explanation) VALUES ('{Tenant}', '{digest}', '{explanation.Replace("'", "''", StringComparison.Ordinal)}');
        ALTER TABLE audit_explanations ENABLE TRIGGER USER;
        COMMIT;
        """);

    protected override Task RemoveExplanationsAsync() => postgres.ExecuteAsOwnerAsync($"""
        BEGIN;
        ALTER TABLE audit_explanations DISABLE TRIGGER USER;
        DELETE FROM audit_explanations WHERE tenant = '{Tenant}';
        ALTER TABLE audit_explanations ENABLE TRIGGER USER;
        COMMIT;
        """);

    // The owner rewrites the chain with the triggers off: rows renumbered by position, as a rewritten file would be.
    protected override async Task WriteRawAsync(IReadOnlyList<string> lines)
    {
        await using var connection = await postgres.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("ALTER TABLE audit_records DISABLE TRIGGER USER", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        await using (var command = new NpgsqlCommand("DELETE FROM audit_records WHERE tenant = $1 AND replica = $2", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Tenant });
            command.Parameters.Add(new NpgsqlParameter { Value = TestServices.Replica });
            await command.ExecuteNonQueryAsync();
        }

        for (var i = 0; i < lines.Count; i++)
        {
            await using var command = new NpgsqlCommand(
                "INSERT INTO audit_records (tenant, replica, seq, time, agent, decision, prev_hash, hash, line) VALUES ($1, $2, $3, now(), '', '', '', '', $4)", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = Tenant });
            command.Parameters.Add(new NpgsqlParameter { Value = TestServices.Replica });
            command.Parameters.Add(new NpgsqlParameter { Value = (long)(i + 1) });
            command.Parameters.Add(new NpgsqlParameter { Value = lines[i] });
            await command.ExecuteNonQueryAsync();
        }

        await using (var command = new NpgsqlCommand("ALTER TABLE audit_records ENABLE TRIGGER USER", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private async Task<List<AuditRecord>> AppendAsync(int count)
    {
        var journal = TestServices.Journal(CreateSink(), Time);
        var records = new List<AuditRecord>();
        for (var i = 0; i < count; i++)
        {
            records.Add(await journal.AppendAsync(Entry(i)));
        }

        return records;
    }
}
