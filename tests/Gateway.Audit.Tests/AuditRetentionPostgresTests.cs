using System.Security.Cryptography;
using System.Text;
using Gateway.Audit.Options;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Cli;
using Gateway.Policy.AuditChain;
using Gateway.Policy.Evidence;
using Gateway.Testing;
using Gateway.Testing.Stores;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Audit.Tests;

/// <summary>Retention by age on a real PostgreSQL: export first, then retire through audit_retire, verification continuing from the anchor.</summary>
public sealed class AuditRetentionPostgresTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly string _tenant = TestServices.NewTenant();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "retention-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task RetireAsync_OldRecords_ExportedThenRetiredAndTheRestVerifiesFromTheAnchor()
    {
        var journal = TestServices.Journal(new PostgresAuditStore(postgres.Database), _time);
        await AppendAsync(journal, 3);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await AppendAsync(journal, 2);

        var retired = await new AuditRetention(journal, NullLogger<AuditRetention>.Instance).RetireAsync(_tenant, cutoff, _directory);

        Assert.Equal(3, retired);
        var verification = await journal.VerifyAsync(_tenant);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(2, verification.Records);
        Assert.Equal(3, (await new PostgresAuditStore(postgres.Database).GetAnchorAsync(new AuditPartition(_tenant, TestServices.Replica))).Length);

        var file = Assert.Single(Directory.GetFiles(Path.Combine(_directory, _tenant)));
        var exported = await File.ReadAllLinesAsync(file);
        Assert.Equal(3, exported.Length);
        Assert.True(AuditExportVerifier.Verify(new StringReader(string.Join('\n', exported))).Intact);

        // The export joins the remaining chain: retired records then the stored ones verify from genesis,
        // and the remaining ones verify on their own from the anchor line the export of them starts with.
        var remaining = new List<string>();
        await foreach (var line in journal.ExportAsync(_tenant, DateTimeOffset.MaxValue))
        {
            remaining.Add(line);
        }

        Assert.Contains("\"anchor\":true", remaining[0], StringComparison.Ordinal);
        Assert.True(AuditExportVerifier.Verify(new StringReader(string.Join('\n', remaining))).Intact);
        var joined = AuditExportVerifier.Verify(new StringReader(string.Join('\n', exported.Concat(remaining.Skip(1)))));
        Assert.True(joined.Intact, joined.Reason);
        Assert.Equal(5, joined.Lines);
        var forgedAnchor = remaining[0].Replace("\"seq\":3", "\"seq\":2", StringComparison.Ordinal);
        var gap = AuditExportVerifier.Verify(new StringReader(string.Join('\n', remaining.Skip(1).Prepend(forgedAnchor))));
        Assert.False(gap.Intact);
        Assert.Equal(2, gap.BrokenAtLine);
        Assert.Equal("sequence_gap", gap.Reason);
    }

    [Fact]
    public async Task ExportAndVerify_RetiredBetweenTheAnchorAndTheRecordsRead_ReadFromTheNewAnchor()
    {
        var sink = new PostgresAuditStore(postgres.Database);
        var journal = TestServices.Journal(sink, _time);
        await AppendAsync(journal, 3);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await AppendAsync(journal, 2);
        _time.Advance(TimeSpan.FromDays(40));
        var later = _time.GetUtcNow();
        await AppendAsync(journal, 1);
        var retention = new AuditRetention(journal, NullLogger<AuditRetention>.Instance);
        var exporting = new RetiredAfterTheFirstAnchorRead(sink, () => retention.RetireAsync(_tenant, cutoff, _directory));
        var verifying = new RetiredAfterTheFirstAnchorRead(sink, () => retention.RetireAsync(_tenant, later, _directory));

        var exported = await TestServices.Journal(exporting, _time).ExportAsync(_tenant, DateTimeOffset.MaxValue).ToListAsync();
        var verified = await TestServices.Journal(verifying, _time).VerifyAsync(_tenant);

        // Each read the anchor, then a retirement moved it: read from the old one, seq 4 and then 6 would follow a gap.
        Assert.Equal([3L, 2L], new[] { exporting.Retired, verifying.Retired });
        Assert.Contains("\"seq\":3", exported[0], StringComparison.Ordinal);
        var offline = AuditExportVerifier.Verify(new StringReader(string.Join('\n', exported)));
        Assert.True(offline.Intact, offline.Reason);
        Assert.Equal(4, offline.Lines);
        Assert.True(verified.Intact, verified.Reason + ": " + verified.Detail);
        Assert.Equal(1, verified.Records);
    }

    [Fact]
    public async Task RetireAsync_AnchorRecordEditedBetweenTheCheckAndTheRetirement_RetiresNothingAndSaysSo()
    {
        var sink = new PostgresAuditStore(postgres.Database);
        await AppendAsync(TestServices.Journal(sink, _time), 3);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await AppendAsync(TestServices.Journal(sink, _time), 2);
        var partition = new AuditPartition(_tenant, TestServices.Replica);

        // Retention checked records 1..3; the owner edits record 3 before audit_retire runs.
        var edited = new EditedBeforeRetirement(sink, () => postgres.ExecuteAsOwnerAsync($"""
            BEGIN;
            ALTER TABLE audit_records DISABLE TRIGGER audit_records_immutable;
            UPDATE audit_records SET line = replace(line, '"status_code":200', '"status_code":403') WHERE tenant = '{_tenant}' AND seq = 3;
            ALTER TABLE audit_records ENABLE TRIGGER audit_records_immutable;
            COMMIT;
            """));
        var journal = TestServices.Journal(edited, _time);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(async () =>
            await new AuditRetention(journal, NullLogger<AuditRetention>.Instance).RetireAsync(_tenant, cutoff, _directory));

        Assert.Contains("records 1..3", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await sink.GetAnchorAsync(partition)).Length);
        Assert.Empty(await sink.ReadRetiredLeavesAsync(partition));
        var verification = await journal.VerifyAsync(_tenant);
        Assert.Equal(AuditBreakReasons.HashMismatch, verification.Reason);
        Assert.Equal(2, verification.BrokenAtIndex);
    }

    [Fact]
    public async Task RetireAsync_EarlierRecordEditedBetweenTheCheckAndTheRetirement_RetiresNothing()
    {
        var sink = new PostgresAuditStore(postgres.Database);
        await AppendAsync(TestServices.Journal(sink, _time), 3);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await AppendAsync(TestServices.Journal(sink, _time), 2);
        var partition = new AuditPartition(_tenant, TestServices.Replica);

        // Retention checked records 1..3; the owner edits record 2 (not the one retention anchors on) before audit_retire runs.
        var edited = new EditedBeforeRetirement(sink, () => postgres.ExecuteAsOwnerAsync($"""
            BEGIN;
            ALTER TABLE audit_records DISABLE TRIGGER audit_records_immutable;
            UPDATE audit_records SET line = replace(line, '"status_code":200', '"status_code":403') WHERE tenant = '{_tenant}' AND seq = 2;
            ALTER TABLE audit_records ENABLE TRIGGER audit_records_immutable;
            COMMIT;
            """));
        var journal = TestServices.Journal(edited, _time);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(async () =>
            await new AuditRetention(journal, NullLogger<AuditRetention>.Instance).RetireAsync(_tenant, cutoff, _directory));

        Assert.Equal(PostgresAuditStore.NotTheCheckedRecordState, Assert.IsType<PostgresException>(refused.InnerException).SqlState);
        Assert.Equal(0, (await sink.GetAnchorAsync(partition)).Length);
        Assert.Empty(await sink.ReadRetiredLeavesAsync(partition));
        Assert.Equal(1, (await journal.VerifyAsync(_tenant)).BrokenAtIndex);
    }

    [Fact]
    public async Task RetireAsync_ThroughARecordWhoseHashIsNotTheCheckedOne_IsRefusedWithGA005()
    {
        var sink = new PostgresAuditStore(postgres.Database);
        var journal = TestServices.Journal(sink, _time);
        await AppendAsync(journal, 3);
        var partition = new AuditPartition(_tenant, TestServices.Replica);
        var leaves = SHA256.HashData([.. (await sink.ReadAsync(partition, 1).ToListAsync()).Take(2).SelectMany(static line => MerkleTree.LeafHash(Encoding.UTF8.GetBytes(line)))]);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(async () => await sink.RetireAsync(partition, 1, new AuditTip(2, new string('0', 64)), leaves));

        Assert.Equal(PostgresAuditStore.NotTheCheckedRecordState, Assert.IsType<PostgresException>(refused.InnerException).SqlState);
        Assert.Equal(0, (await sink.GetAnchorAsync(partition)).Length);
        Assert.Equal(3, (await journal.VerifyAsync(_tenant)).Records);
    }

    [Fact]
    public async Task RetireAsync_ExportDirectoryUnwritable_RetiresNothing()
    {
        var journal = TestServices.Journal(new PostgresAuditStore(postgres.Database), _time);
        await AppendAsync(journal, 3);
        _time.Advance(TimeSpan.FromDays(40));
        Directory.CreateDirectory(_directory);
        var blocker = Path.Combine(_directory, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "a file where the export directory should be");

        await Assert.ThrowsAnyAsync<IOException>(async () =>
            await new AuditRetention(journal, NullLogger<AuditRetention>.Instance).RetireAsync(_tenant, _time.GetUtcNow(), blocker));

        var verification = await journal.VerifyAsync(_tenant);
        Assert.True(verification.Intact);
        Assert.Equal(3, verification.Records);
        Assert.Equal(0, (await new PostgresAuditStore(postgres.Database).GetAnchorAsync(new AuditPartition(_tenant, TestServices.Replica))).Length);
    }

    [Fact]
    public async Task AppRole_EvenWithTheRetireFlagSet_CannotDeleteAuditRecords()
    {
        var journal = TestServices.Journal(new PostgresAuditStore(postgres.Database), _time);
        await AppendAsync(journal, 2);

        await using var scope = await postgres.Database.OpenTenantAsync(_tenant);
        await using (var flag = scope.CreateCommand("SELECT set_config('gamut.audit_retire', 'on', true)"))
        {
            await flag.ExecuteScalarAsync();
        }

        await using var command = scope.CreateCommand("DELETE FROM audit_records WHERE tenant = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _tenant });
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task Retire_OtherTenantsChain_IsRefused()
    {
        var journal = TestServices.Journal(new PostgresAuditStore(postgres.Database), _time);
        await AppendAsync(journal, 2);

        await using var scope = await postgres.Database.OpenTenantAsync(TestServices.NewTenant());
        await using var command = scope.CreateCommand("SELECT audit_retire($1, $2, 1)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _tenant });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = TestServices.Replica });
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());

        Assert.Equal("GA003", error.SqlState);
        Assert.Equal(2, (await journal.VerifyAsync(_tenant)).Records);
    }

    [Fact]
    public async Task RetentionJob_TenantOverride_RetiresOnlyThatTenantsOldRecordsAndAnUnwritableExportRetiresNothing()
    {
        var other = TestServices.NewTenant();
        var journal = TestServices.Journal(new PostgresAuditStore(postgres.Database), _time);
        await AppendAsync(journal, 2);
        await journal.AppendAsync(new AuditEntry { Tenant = other, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        _time.Advance(TimeSpan.FromDays(10));

        var job = Job(journal, new AuditRetentionOptions { Tenants = new(StringComparer.Ordinal) { [_tenant] = TimeSpan.FromDays(5) }, ExportDirectory = _directory });
        var unwritable = Path.Combine(_directory, "blocked");
        Directory.CreateDirectory(_directory);
        await File.WriteAllTextAsync(unwritable, "a file, not a directory");
        var blocked = Job(journal, new AuditRetentionOptions { MaxAge = TimeSpan.FromDays(5), ExportDirectory = unwritable });

        Assert.Equal(0, await blocked.RunOnceAsync(CancellationToken.None));
        Assert.Equal(1, (await journal.VerifyAsync(other)).Records);
        Assert.Equal(2, await job.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, (await journal.VerifyAsync(_tenant)).Records);
        Assert.True((await journal.VerifyAsync(_tenant)).Intact);
        Assert.Equal(1, (await journal.VerifyAsync(other)).Records);
    }

    [Fact]
    public async Task RetireAsync_TwoReplicasRetireOneChainTogether_AnchorNeverMovesBack()
    {
        var store = new PostgresAuditStore(postgres.Database);
        var journal = TestServices.Journal(store, _time);
        await AppendAsync(journal, 5);
        var partition = new AuditPartition(_tenant, TestServices.Replica);

        // One replica retires through 4 and has not committed; the other, still seeing record 2, retires through 2.
        await using (var first = await postgres.Database.OpenTenantAsync(_tenant))
        {
            await using (var command = first.CreateCommand("SELECT audit_retire($1, $2, 4)"))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _tenant });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = TestServices.Replica });
                Assert.Equal(4L, await command.ExecuteScalarAsync());
            }

            var second = store.RetireAsync(partition, 2).AsTask();
            await WaitForALockWaitAsync();
            await first.CommitAsync();
            Assert.Equal(0, await second);
        }

        Assert.Equal(4, (await store.GetAnchorAsync(partition)).Length);
        var verification = await journal.VerifyAsync(_tenant);
        Assert.True(verification.Intact, verification.Reason + ": " + verification.Detail);
        Assert.Equal(1, verification.Records);
        Assert.Equal(0, await store.RetireAsync(partition, 3));
    }

    /// <summary>Waits until a session of this test's database waits on a lock (a retirement held off by another).</summary>
    private async Task WaitForALockWaitAsync()
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((long)(await command.ExecuteScalarAsync(deadline.Token))! == 0)
        {
            await Task.Yield();
        }
    }

    private AuditRetentionJob Job(AuditJournal journal, AuditRetentionOptions retention) => new(
        new AuditRetention(journal, NullLogger<AuditRetention>.Instance),
        journal,
        Microsoft.Extensions.Options.Options.Create(new AuditOptions { Sink = AuditOptions.PostgresSink, Retention = retention }),
        _time,
        NullLogger<AuditRetentionJob>.Instance);

    private async Task AppendAsync(AuditJournal journal, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        }
    }
}
