using Gateway.Audit.Tests.Infrastructure;
using Gateway.Cli;
using Gateway.Policy.AuditChain;
using Gateway.Testing;
using Gateway.Testing.Stores;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Audit.Tests;

/// <summary>
/// Retention by age on a real PostgreSQL over a chain broken by the database's owner before its records aged out: the
/// records to be retired are checked from the chain's anchor first, and only those before the first broken link are
/// exported and retired, so the anchor never moves past the break and <c>audit verify</c> still names it.
/// </summary>
public sealed class AuditRetentionChainCheckPostgresTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly string _tenant = TestServices.NewTenant();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "retention-check-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("UPDATE audit_records SET line = replace(line, '\"status_code\":200', '\"status_code\":403')", AuditBreakReasons.HashMismatch)]
    [InlineData("DELETE FROM audit_records", AuditBreakReasons.SequenceGap)]
    public async Task RetireAsync_RowEditedOrDeletedBeforeTheCut_RetiresOnlyTheRecordsBeforeItAndVerifyStillNamesIt(string edit, string reason)
    {
        var journal = TestServices.Journal(new PostgresAuditStore(postgres.Database), _time);
        await RetentionSteps.AppendAsync(journal, _tenant, 3);
        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        await RetentionSteps.AppendAsync(journal, _tenant, 2);
        await postgres.ExecuteAsOwnerAsync($"""
            BEGIN;
            ALTER TABLE audit_records DISABLE TRIGGER audit_records_immutable;
            {edit} WHERE tenant = '{_tenant}' AND seq = 2;
            ALTER TABLE audit_records ENABLE TRIGGER audit_records_immutable;
            COMMIT;
            """);

        var retired = await new AuditRetention(journal, NullLogger<AuditRetention>.Instance).RetireAsync(_tenant, cutoff, _directory);

        Assert.Equal(1, retired);
        Assert.Equal(1, (await new PostgresAuditStore(postgres.Database).GetAnchorAsync(new AuditPartition(_tenant, TestServices.Replica))).Length);
        var exported = AuditExportVerifier.Verify(new StringReader(await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(Path.Combine(_directory, _tenant))))));
        Assert.True(exported.Intact, exported.Reason);
        Assert.Equal(1, exported.Lines);
        var verification = await journal.VerifyAsync(_tenant);
        Assert.False(verification.Intact);
        Assert.Equal(0, verification.BrokenAtIndex);
        Assert.Equal(reason, verification.Reason);
    }
}
