using System.Globalization;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Cli;
using Gateway.Policy.AuditChain;
using Gateway.Store.Postgres;
using Gateway.Testing;
using Npgsql;

namespace Gateway.Audit.Tests;

/// <summary>
/// Retention of the PostgreSQL journal by whole daily partitions (migrations 0030, 0031; <c>gatewayctl audit
/// retire-partition</c>), records written by the real journal writer. Each test's database has daily partitions for the
/// last days: the partitions the conversion made are replaced by daily ones from three days ago, and the database's
/// storage clock (the default of <c>stored_at</c>) is set back while a day's records are written, so that they land in
/// that day's partition as they would have on that day.
/// </summary>
public sealed class AuditPartitionRetirementTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Today = new(DateTime.UtcNow.Date, TimeSpan.Zero);
    private readonly string _tenant = TestServices.NewTenant();
    private readonly string _other = TestServices.NewTenant();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "retire-partition-" + Guid.NewGuid().ToString("N"));
    private string _connectionString = string.Empty;
    private PostgresDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await (await PostgresServer.Shared).CreateDatabaseAsync();
        _database = new PostgresDatabase(NpgsqlDataSource.Create(_connectionString), TimeSpan.FromSeconds(30));
        await new PostgresMigrator(_database).MigrateAsync();
        await OwnerAsync($"""
            ALTER TABLE audit_records DETACH PARTITION audit_records_before_{Today.AddDays(1):yyyyMMdd};
            DROP TABLE audit_records_before_{Today.AddDays(1):yyyyMMdd};
            SELECT audit_partition_create(now() - make_interval(days => d)) FROM generate_series(3, 0, -1) AS d;
            """);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task RetirePartition_TwoOldestDays_ExportedThenDroppedAndEveryChainStillVerifies()
    {
        var journal = Journal(TestServices.Replica);
        var second = Journal("second-replica");
        await WriteOnDayAsync(-3, journal, _tenant, 4, explained: true);
        await WriteOnDayAsync(-3, second, _tenant, 2);
        await WriteOnDayAsync(-3, journal, _other, 1);
        await WriteOnDayAsync(-2, journal, _tenant, 3, explained: true);
        await WriteOnDayAsync(-2, second, _other, 2);
        await WriteOnDayAsync(0, journal, _tenant, 2, explained: true);

        var result = await CliAsync("audit", "retire-partition", "--before", Today.AddDays(-1).ToString("O", CultureInfo.InvariantCulture), "--export-dir", _directory);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"retired audit_records_p{Today.AddDays(-3):yyyyMMdd}: 7 records of 2 tenants", result.Out, StringComparison.Ordinal);
        Assert.Contains($"retired audit_records_p{Today.AddDays(-2):yyyyMMdd}: 5 records of 2 tenants", result.Out, StringComparison.Ordinal);
        var left = await new PostgresAuditPartitions(_database).ListAsync();
        Assert.Equal(Today.AddDays(-1), left[0].Lower);
        Assert.Equal(0L, await OwnerAsync<long>("SELECT count(*) FROM pg_class WHERE relname LIKE 'audit_records_p%' AND relname <= 'audit_records_p" + Today.AddDays(-2).ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "'"));

        // Every export file verifies offline: the first day's from genesis, the second's from the anchor line it starts with.
        var firstDay = Path.Combine(_directory, $"audit_records_p{Today.AddDays(-3):yyyyMMdd}");
        var secondDay = Path.Combine(_directory, $"audit_records_p{Today.AddDays(-2):yyyyMMdd}");
        Assert.Equal(new[] { _other + ".jsonl", _tenant + ".jsonl" }.Order(StringComparer.Ordinal), Directory.GetFiles(firstDay).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var file in Directory.GetFiles(firstDay).Concat(Directory.GetFiles(secondDay)))
        {
            var verified = await CliAsync("audit", "verify", "--file", file);
            Assert.True(verified.ExitCode == 0, file + ": " + verified.Out);
        }

        var secondDayOfTenant = await File.ReadAllLinesAsync(Path.Combine(secondDay, _tenant + ".jsonl"));
        Assert.Contains("\"anchor\":true", secondDayOfTenant[0], StringComparison.Ordinal);
        Assert.Contains("\"seq\":4", secondDayOfTenant[0], StringComparison.Ordinal);
        Assert.Contains(secondDayOfTenant, static line => line.Contains("\"kind\":\"explanation\"", StringComparison.Ordinal));

        // The retired records' receipt batches went with them (0034); the kept records' still rebuild.
        var chain = new AuditPartition(_tenant, TestServices.Replica);
        Assert.Empty(await new PostgresAuditStore(_database).ReadReceiptBatchesAsync(chain, 1, 7));
        Assert.Equal([8L, 9L], (await journal.ReadReceiptsAsync(_tenant, TestServices.Replica, 1, 9)).Select(static r => r.Seq));

        // The journal verifies from each chain's anchor, and goes on.
        await WriteOnDayAsync(0, journal, _tenant, 1);
        var verification = await journal.VerifyAsync(_tenant);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(3, verification.Records);
        Assert.Equal(7, (await new PostgresAuditStore(_database).GetAnchorAsync(new AuditPartition(_tenant, TestServices.Replica))).Length);
        Assert.Equal(2, (await new PostgresAuditStore(_database).GetAnchorAsync(new AuditPartition(_tenant, "second-replica"))).Length);
        var other = await journal.VerifyAsync(_other);
        Assert.True(other.Intact, other.Reason);
        Assert.Equal(0, other.Records);
    }

    [Fact]
    public async Task Retire_PartitionChangedSinceItsExport_IsRefusedAndNothingChanges()
    {
        var journal = Journal(TestServices.Replica);
        await WriteOnDayAsync(-3, journal, _tenant, 2);
        var partitions = new PostgresAuditPartitions(_database);
        var oldest = (await partitions.ListAsync())[0];
        var (chains, _) = await new AuditPartitionRetirement(partitions).ExportAsync(oldest, _directory, CancellationToken.None);
        await WriteOnDayAsync(-3, journal, _tenant, 1);

        var error = await Assert.ThrowsAsync<PostgresException>(async () => await partitions.RetireAsync(oldest, chains, drop: true));

        Assert.Equal(PostgresAuditPartitions.RefusedState, error.SqlState);
        Assert.Contains("export it again", error.MessageText, StringComparison.Ordinal);
        Assert.Equal(oldest, (await partitions.ListAsync())[0]);
        var verification = await journal.VerifyAsync(_tenant);
        Assert.True(verification.Intact);
        Assert.Equal(3, verification.Records);
    }

    [Fact]
    public async Task Retire_NotTheOldestOrNotEnded_IsRefused()
    {
        var partitions = new PostgresAuditPartitions(_database);
        var all = await partitions.ListAsync();

        var notOldest = await Assert.ThrowsAsync<PostgresException>(async () => await partitions.RetireAsync(all[1], [], drop: true));
        var today = await Assert.ThrowsAsync<PostgresException>(async () => await partitions.RetireAsync(all[3], [], drop: true));

        Assert.Contains("retire it first", notOldest.MessageText, StringComparison.Ordinal);
        Assert.Contains("still takes records", today.MessageText, StringComparison.Ordinal);
        Assert.Equal(all, await partitions.ListAsync());
    }

    [Fact]
    public async Task RetirePartition_ChainsRecordsNotItsNextOnes_RefusedExitTwoAndTheChainStays()
    {
        // The database's clock went back across midnight (a primary whose clock was behind took over): the chain's
        // records 1-2 were stored "on day -2", its records 3-4 after them "on day -3". The oldest partition is not where
        // the chain starts, so retiring it would leave the chain without its start.
        var journal = Journal(TestServices.Replica);
        await WriteOnDayAsync(-2, journal, _tenant, 2);
        await WriteOnDayAsync(-3, journal, _tenant, 2);

        var result = await CliAsync("audit", "retire-partition", "--before", Today.ToString("O", CultureInfo.InvariantCulture), "--export-dir", _directory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not_retirable", result.Error, StringComparison.Ordinal);
        Assert.Contains("not the next ones after its anchor", result.Error, StringComparison.Ordinal);
        Assert.Equal(4, (await new PostgresAuditPartitions(_database).ListAsync()).Count(p => p.Upper <= Today.AddDays(1)));
        Assert.Equal(4, (await journal.VerifyAsync(_tenant)).Records);
    }

    [Fact]
    public async Task RetirePartition_RecordEditedInThePartition_RefusedAndTheChainStays()
    {
        // The owner edits a record of the oldest day without sealing it again: the partition still holds what its export
        // holds, counts and last hash included; only the chain check names the edit, and nothing is retired past it.
        var journal = Journal(TestServices.Replica);
        await WriteOnDayAsync(-3, journal, _tenant, 3);
        await WriteOnDayAsync(0, journal, _tenant, 1);
        await OwnerAsync($"""
            ALTER TABLE audit_records DISABLE TRIGGER audit_records_immutable;
            UPDATE audit_records SET line = replace(line, '"status_code":200', '"status_code":403') WHERE tenant = '{_tenant}' AND seq = 2;
            ALTER TABLE audit_records ENABLE TRIGGER audit_records_immutable;
            """);

        var result = await CliAsync("audit", "retire-partition", "--before", Today.AddDays(-1).ToString("O", CultureInfo.InvariantCulture), "--export-dir", _directory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not_retirable", result.Error, StringComparison.Ordinal);
        Assert.Contains(AuditBreakReasons.HashMismatch, result.Error, StringComparison.Ordinal);
        Assert.Equal(Today.AddDays(-3), (await new PostgresAuditPartitions(_database).ListAsync())[0].Lower);
        Assert.Equal(0, (await new PostgresAuditStore(_database).GetAnchorAsync(new AuditPartition(_tenant, TestServices.Replica))).Length);
        var verification = await journal.VerifyAsync(_tenant);
        Assert.False(verification.Intact);
        Assert.Equal(1, verification.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.HashMismatch, verification.Reason);
    }

    [Fact]
    public async Task RetirePartition_NothingEndedBeforeTheCut_RetiresNothing()
    {
        var result = await CliAsync("audit", "retire-partition", "--before", Today.AddDays(-10).ToString("O", CultureInfo.InvariantCulture), "--export-dir", _directory, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("\"retired\": []", result.Out, StringComparison.Ordinal);
        Assert.Equal(11, (await new PostgresAuditPartitions(_database).ListAsync()).Count);
    }

    [Fact]
    public async Task RetirePartition_FourChainsPerReplica_EveryChainExportedAndVerifiedFromItsAnchor()
    {
        var journal = TestServices.Journal(new PostgresAuditStore(_database), TimeProvider.System, chains: 4);
        await WriteOnDayAsync(-3, journal, _tenant, 12);
        await WriteOnDayAsync(0, journal, _tenant, 8);

        var result = await CliAsync("audit", "retire-partition", "--before", Today.AddDays(-1).ToString("O", CultureInfo.InvariantCulture), "--export-dir", _directory);

        Assert.True(result.ExitCode == 0, result.Error);
        var export = Path.Combine(_directory, $"audit_records_p{Today.AddDays(-3):yyyyMMdd}", _tenant + ".jsonl");
        var offline = AuditExportVerifier.Verify(new StringReader(await File.ReadAllTextAsync(export)));
        Assert.True(offline.Intact, offline.Reason);
        Assert.Equal(4, offline.Chains.Count);
        Assert.Equal(12, offline.Chains.Values.Sum(static c => c.Records));
        foreach (var (chain, link) in offline.Chains)
        {
            Assert.Equal(link.Records, (await new PostgresAuditStore(_database).GetAnchorAsync(new AuditPartition(_tenant, chain))).Length);
        }

        var verification = await journal.VerifyAsync(_tenant);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(8, verification.Records);
    }

    private AuditJournal Journal(string replica) => TestServices.Journal(new PostgresAuditStore(_database), TimeProvider.System, replica);

    // Writes records through the journal with the database's storage clock set back to that day (noon, UTC).
    private async Task WriteOnDayAsync(int day, AuditJournal journal, string tenant, int count, bool explained = false)
    {
        await OwnerAsync($"ALTER TABLE audit_records ALTER COLUMN stored_at SET DEFAULT '{Today.AddDays(day).AddHours(12):O}'::timestamptz");
        try
        {
            for (var i = 0; i < count; i++)
            {
                await journal.AppendWithReceiptAsync(new AuditEntry
                {
                    Tenant = tenant,
                    RequestId = $"req-{day}-{i}",
                    Agent = "agent-1",
                    Decision = "allow",
                    StatusCode = 200,
                    Explanation = explained ? """{"reason":"allowed by rule r-1"}"""u8.ToArray() : default,
                });
            }
        }
        finally
        {
            await OwnerAsync("ALTER TABLE audit_records ALTER COLUMN stored_at SET DEFAULT now()");
        }
    }

    private async Task<CliResult> CliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new Dictionary<string, string?> { ["Gateway__Store__Postgres__ConnectionString"] = _connectionString };
        var console = new CliConsole(output, error, new StringReader(string.Empty), false, name => environment.GetValueOrDefault(name));
        var code = await GatewayCli.RunAsync(args, console);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    private async Task OwnerAsync(string sql)
    {
        await using var connection = await _database.OpenOwnerConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> OwnerAsync<T>(string sql)
    {
        await using var connection = await _database.OpenOwnerConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private sealed record CliResult(int ExitCode, string Out, string Error);
}
