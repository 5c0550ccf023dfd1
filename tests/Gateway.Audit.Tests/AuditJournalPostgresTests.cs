using System.Text.Json.Nodes;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.AuditChain;
using Gateway.Store.Postgres;
using Gateway.Testing;
using Gateway.Testing.Stores;
using Npgsql;

namespace Gateway.Audit.Tests;

/// <summary>The shared journal suite (<see cref="AuditJournalTests"/>) against PostgreSQL, plus hand edits made in SQL by the owner.</summary>
public sealed partial class AuditJournalPostgresTests(PostgresFixture postgres) : AuditJournalTests, IClassFixture<PostgresFixture>
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
    public async Task VerifyAsync_NewestRowsDeletedInSqlByTheOwner_IsNamedAsTipMismatch()
    {
        await AppendAsync(5);
        await postgres.ExecuteAsOwnerAsync($"""
            BEGIN;
            ALTER TABLE audit_records DISABLE TRIGGER audit_records_immutable;
            DELETE FROM audit_records WHERE tenant = '{Tenant}' AND seq >= 4;
            ALTER TABLE audit_records ENABLE TRIGGER audit_records_immutable;
            COMMIT;
            """);

        var result = await TestServices.Journal(CreateSink(), Time).VerifyAsync(Tenant);

        Assert.False(result.Intact);
        Assert.Equal(3, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.TipMismatch, result.Reason);
        Assert.Contains("seq 5", result.Detail, StringComparison.Ordinal);
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
    public async Task Migrate0030_JournalWrittenBeforePartitioning_GoesOnInThePartitionedJournalAndVerifies()
    {
        // A journal the writer filled at migration 0018, partitioned in place with its rows in it, then written on.
        await using var upgraded = new PostgresDatabase(NpgsqlDataSource.Create(await (await PostgresServer.Shared).CreateDatabaseAsync()), TimeSpan.FromSeconds(30));
        await new PostgresMigrator(upgraded, [.. PostgresMigration.Embedded.Where(static m => m.Version < 30)], null).MigrateAsync();
        var before = TestServices.Journal(new PostgresAuditStore(upgraded), Time);
        for (var i = 0; i < 3; i++)
        {
            await before.AppendAsync(new AuditEntry { Tenant = Tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200, RequestId = "before-" + i });
        }

        var applied = await new PostgresMigrator(upgraded).MigrateAsync();
        var after = TestServices.Journal(new PostgresAuditStore(upgraded), Time);
        for (var i = 0; i < 2; i++)
        {
            await after.AppendAsync(new AuditEntry { Tenant = Tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200, RequestId = "after-" + i });
        }

        Assert.Contains(30, applied.Select(static m => m.Version));
        var verified = await after.VerifyAsync(Tenant);
        Assert.True(verified.Intact, verified.Reason);
        Assert.Equal(5, verified.Records);
        Assert.Single((await after.QueryAsync(Tenant, new AuditQuery { RequestId = "before-1" })).Records);
        Assert.NotEmpty(await new PostgresAuditPartitions(upgraded).ListAsync());
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

        // The chain's tip, as the journal that wrote these lines would have left it.
        await using (var command = new NpgsqlCommand("UPDATE audit_chains SET length = $3, last_hash = $4 WHERE tenant = $1 AND replica = $2", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Tenant });
            command.Parameters.Add(new NpgsqlParameter { Value = TestServices.Replica });
            command.Parameters.Add(new NpgsqlParameter { Value = (long)lines.Count });
            command.Parameters.Add(new NpgsqlParameter { Value = JsonNode.Parse(lines[^1])!["hash"]!.GetValue<string>() });
            await command.ExecuteNonQueryAsync();
        }

        await using (var command = new NpgsqlCommand("ALTER TABLE audit_records ENABLE TRIGGER USER", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    /// <summary>The tenant's rows and explanations, copied as the owner into <paramref name="target"/> (the chain's link trigger checks them).</summary>
    private async Task CopyJournalAsync(PostgresDatabase target)
    {
        var explanations = new List<(string Digest, string Explanation)>();
        await using (var read = postgres.Database.DataSource.CreateCommand("SELECT digest, explanation FROM audit_explanations WHERE tenant = $1"))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = Tenant });
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                explanations.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        await using var insert = target.DataSource.CreateCommand("""
            WITH explanations AS (
                INSERT INTO audit_explanations (tenant, digest, explanation) SELECT $1, d, e FROM unnest($4::text[], $5::text[]) AS x(d, e))
            INSERT INTO audit_records (tenant, replica, seq, time, agent, tool, decision, prev_hash, hash, line)
            SELECT $1, $2, (l::jsonb ->> 'seq')::bigint, (l::jsonb ->> 'time')::timestamptz, l::jsonb ->> 'agent', l::jsonb ->> 'tool',
                   l::jsonb ->> 'decision', l::jsonb ->> 'prev_hash', l::jsonb ->> 'hash', l
            FROM unnest($3::text[]) WITH ORDINALITY AS x(l, o) ORDER BY o
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = Tenant });
        insert.Parameters.Add(new NpgsqlParameter { Value = TestServices.Replica });
        insert.Parameters.Add(new NpgsqlParameter { Value = (await ReadRawAsync()).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = explanations.Select(static e => e.Digest).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = explanations.Select(static e => e.Explanation).ToArray() });
        await insert.ExecuteNonQueryAsync();
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
