using System.Text;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Testing;
using Gateway.Testing.Stores;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Audit.Tests;

/// <summary>
/// Stored receipt batches on the real sinks (the embedded file journal, the embedded store and PostgreSQL): retention removes the batches
/// whose records it retired and keeps the others rebuilding to the receipts the agents got; a stored batch that does not
/// rebuild to its signed root is an error naming it, never a wrong receipt.
/// </summary>
public sealed class AuditReceiptStorageTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly string _root = Directory.CreateTempSubdirectory("receipt-storage-").FullName;
    private readonly List<FileAuditStore> _sinks = [];

    public void Dispose()
    {
        foreach (var sink in _sinks)
        {
            sink.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task RetireAsync_OnTheFileJournal_RemovesTheRetiredRecordsBatchesAndKeepsTheOthers()
    {
        var directory = Path.Combine(_root, "journal");
        await AssertRetentionKeepsTheLaterReceiptsAsync(() => Sink(directory));
    }

    [Fact]
    public async Task RetireAsync_OnTheEmbeddedStore_RemovesTheRetiredRecordsBatchesAndKeepsTheOthers()
    {
        using var store = Gateway.Store.InMemoryStateStore.OpenDurable(Path.Combine(_root, "state"), _time);
        await AssertRetentionKeepsTheLaterReceiptsAsync(() => new RetiringStoreAuditStore(store, store));
    }

    [Fact]
    public async Task RetireAsync_OnPostgres_RemovesTheRetiredRecordsBatchesAndKeepsTheOthers() =>
        await AssertRetentionKeepsTheLaterReceiptsAsync(() => new PostgresAuditStore(postgres.Database));

    [Fact]
    public async Task ReadReceiptsAsync_BatchWhoseRootWasSwapped_FailsNamingTheBatch()
    {
        var directory = Path.Combine(_root, "swapped");
        var tenant = TestServices.NewTenant();
        var journal = TestServices.Journal(Sink(directory), _time);
        await journal.AppendWithReceiptAsync(Entry(tenant, "req-1"));
        await journal.AppendWithReceiptAsync(Entry(tenant, "req-2"));
        var path = Assert.Single(Directory.GetFiles(directory, "*" + AuditFileReceipts.Suffix));
        var batches = File.ReadAllLines(path).Select(static l => AuditReceiptBatch.Parse(Encoding.UTF8.GetBytes(l))).ToArray();
        File.WriteAllLines(path, [
            Encoding.UTF8.GetString((batches[0] with { SignedRoot = batches[1].SignedRoot }).ToJson()),
            Encoding.UTF8.GetString(batches[1].ToJson()),
        ]);

        var error = await Assert.ThrowsAsync<AuditReceiptMismatchException>(async () =>
            await TestServices.Journal(Sink(directory), _time).ReadReceiptsAsync(tenant, TestServices.Replica, 1, 2));

        Assert.Contains($"{tenant}@{TestServices.Replica} starting at record 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("do not lead to the root it signs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadReceiptsAsync_BatchStoredForLinesACrashKeptOut_IsSupersededByTheGroupWrittenAfterIt()
    {
        var directory = Path.Combine(_root, "crashed");
        var tenant = TestServices.NewTenant();
        var journal = TestServices.Journal(Sink(directory), _time);
        var first = await journal.AppendWithReceiptAsync(Entry(tenant, "req-1"));
        var path = Assert.Single(Directory.GetFiles(directory, "*" + AuditFileReceipts.Suffix));

        // As if a crash came between the receipts file's fsync and the lines': a batch for record 2 that was never appended.
        var stale = AuditReceiptBatch.Parse(Encoding.UTF8.GetBytes(File.ReadAllLines(path)[0])) with { Members = [new AuditReceiptMember(2, "req-lost")] };
        File.AppendAllText(path, Encoding.UTF8.GetString(stale.ToJson()) + "\n");
        var second = await TestServices.Journal(Sink(directory), _time).AppendWithReceiptAsync(Entry(tenant, "req-2"));

        var stored = await TestServices.Journal(Sink(directory), _time).ReadReceiptsAsync(tenant, TestServices.Replica, 1, 2);

        Assert.Equal([first.Receipt, second.Receipt], stored.Select(static r => (string?)r.Receipt));
    }

    [Fact]
    public async Task ReadReceiptsAsync_BatchACrashLeftForRecordsWrittenWithoutReceipts_IsSkipped()
    {
        var directory = Path.Combine(_root, "crashed-unreceipted");
        var tenant = TestServices.NewTenant();
        var journal = TestServices.Journal(Sink(directory), _time);
        var first = await journal.AppendWithReceiptAsync(Entry(tenant, "req-1"));
        var path = Assert.Single(Directory.GetFiles(directory, "*" + AuditFileReceipts.Suffix));
        var stale = AuditReceiptBatch.Parse(Encoding.UTF8.GetBytes(File.ReadAllLines(path)[0])) with { Members = [new AuditReceiptMember(2, "req-lost")] };
        File.AppendAllText(path, Encoding.UTF8.GetString(stale.ToJson()) + "\n");

        // Record 2 is another request's, written with no receipt (a refusal from the backlog, say).
        await TestServices.Journal(Sink(directory), _time).AppendAsync(Entry(tenant, "req-2"));
        var stored = await TestServices.Journal(Sink(directory), _time).ReadReceiptsAsync(tenant, TestServices.Replica, 1, 2);

        Assert.Equal([first.Receipt], stored.Select(static r => (string?)r.Receipt));
    }

    private async Task AssertRetentionKeepsTheLaterReceiptsAsync(Func<IAuditStore> sinks)
    {
        var tenant = TestServices.NewTenant();
        var partition = new AuditPartition(tenant, TestServices.Replica);
        var journal = TestServices.Journal(sinks(), _time);
        for (var i = 1; i <= 3; i++)
        {
            await journal.AppendWithReceiptAsync(Entry(tenant, "old-" + i));
        }

        _time.Advance(TimeSpan.FromDays(40));
        var cutoff = _time.GetUtcNow();
        var kept = new List<string?>();
        for (var i = 1; i <= 2; i++)
        {
            kept.Add((await journal.AppendWithReceiptAsync(Entry(tenant, "new-" + i))).Receipt);
        }

        Assert.Equal(3, await new AuditRetention(journal, NullLogger<AuditRetention>.Instance).RetireAsync(tenant, cutoff, Path.Combine(_root, "exports-" + tenant)));

        var sink = sinks();
        Assert.Empty(await sink.ReadReceiptBatchesAsync(partition, 1, 3));
        var stored = await TestServices.Journal(sink, _time).ReadReceiptsAsync(tenant, TestServices.Replica, 1, 5);
        Assert.Equal(kept, stored.Select(static r => (string?)r.Receipt));
        Assert.Equal([4L, 5L], stored.Select(static r => r.Seq));
    }

    private static AuditEntry Entry(string tenant, string requestId) =>
        new() { Tenant = tenant, Agent = "agent-1", Tool = "crm.read", RequestId = requestId, Decision = "allow", PolicyDigest = "p1", IntentDigest = "i-" + requestId, StatusCode = 200 };

    private FileAuditStore Sink(string directory)
    {
        var sink = TestServices.FileSink(directory);
        _sinks.Add(sink);
        return sink;
    }
}
