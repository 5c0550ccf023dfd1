using Gateway.Audit.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Audit.Tests;

/// <summary>A failing sink refuses the append (the host answers 503), readiness goes unready, and recovery needs no restart.</summary>
public sealed class AuditJournalFailureTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "oversight-audit-fail-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider _time = new();

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task AppendAsync_StoreUnavailable_ThrowsAuditWriteException()
    {
        var journal = TestServices.Journal(new UnavailableSink(), _time);

        var ex = await Assert.ThrowsAsync<AuditWriteException>(() => journal.AppendAsync(new AuditEntry { Tenant = "t1", Agent = "a", Decision = "allow" }).AsTask());

        Assert.IsType<StateStoreUnavailableException>(ex.InnerException);
    }

    [Fact]
    public async Task AppendAsync_AlwaysLosingTheRace_ThrowsAuditWriteException()
    {
        var journal = TestServices.Journal(new AlwaysConflictingSink(), _time);

        await Assert.ThrowsAsync<AuditWriteException>(() => journal.AppendAsync(new AuditEntry { Tenant = "t1", Agent = "a", Decision = "allow" }).AsTask());
    }

    [Fact]
    public async Task AppendAsync_JournalDirectoryDeleted_RefusedAndUnreadyUntilRestoredThenContinuesWithoutRestart()
    {
        using var sink = TestServices.FileSink(_directory);
        await sink.RecoverAllAsync();
        var journal = TestServices.Journal(sink, _time);
        var health = new AuditSinkHealthCheck(sink);
        var first = await journal.AppendAsync(Entry());
        var path = sink.PathOf(new AuditPartition("t1", TestServices.Replica));
        var saved = await File.ReadAllBytesAsync(path);

        Directory.Delete(_directory, recursive: true);

        await Assert.ThrowsAsync<AuditWriteException>(() => journal.AppendAsync(Entry()).AsTask());
        await Assert.ThrowsAsync<AuditWriteException>(() => journal.AppendAsync(Entry()).AsTask());
        Assert.False(Directory.Exists(_directory), "The journal directory was silently recreated.");
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(Context(health))).Status);

        Directory.CreateDirectory(_directory);
        await File.WriteAllBytesAsync(path, saved);

        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Context(health))).Status);
        var next = await journal.AppendAsync(Entry());
        Assert.Equal(2, next.Seq);
        Assert.Equal(first.Hash, next.PrevHash);
        Assert.True((await journal.VerifyAsync("t1")).Intact);
    }

    [Fact]
    public async Task AppendAsync_JournalFileDeleted_RefusedUntilRestored()
    {
        using var sink = TestServices.FileSink(_directory);
        var journal = TestServices.Journal(sink, _time);
        await journal.AppendAsync(Entry());
        var path = sink.PathOf(new AuditPartition("t1", TestServices.Replica));
        var saved = await File.ReadAllBytesAsync(path);

        File.Delete(path);

        await Assert.ThrowsAsync<AuditWriteException>(() => journal.AppendAsync(Entry()).AsTask());
        Assert.False(File.Exists(path), "The chain restarted from genesis in a new file.");
        await Assert.ThrowsAnyAsync<IOException>(async () => await sink.ProbeAsync());

        await File.WriteAllBytesAsync(path, saved);
        Assert.Equal(2, (await journal.AppendAsync(Entry())).Seq);
    }

    [Fact]
    public async Task AppendUnawaited_JournalFileDeleted_TheAnsweredOutcomeWaitsInTheBacklogAsItIsAndIsWrittenOnceRestored()
    {
        using var sink = TestServices.FileSink(_directory);
        var journal = TestServices.Journal(sink, _time);
        await journal.AppendAsync(Entry());
        var path = sink.PathOf(new AuditPartition("t1", TestServices.Replica));
        var saved = await File.ReadAllBytesAsync(path);
        File.Delete(path);

        // The upstream failed and the agent was answered 502: that is what the outcome says, not a refusal for the audit.
        _ = journal.AppendUnawaited(Entry() with { RequestId = "req-1", StatusCode = 502, Invoked = false, Fold = AuditFold.Outcome });
        await journal.WaitForUnawaitedAsync();

        Assert.Equal(1, journal.BacklogCount);
        await File.WriteAllBytesAsync(path, saved);
        Assert.Equal(1, await journal.FlushBacklogAsync());
        var written = (await journal.ReadAsync("t1", 0, 10))[^1];
        Assert.Equal("req-1", written.GetProperty("request_id").GetString());
        Assert.Equal("allow", written.GetProperty("decision").GetString());
        Assert.Equal(502, written.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task ProbeAsync_ExplanationsFileDeleted_UnreadyAndAppendRefusedUntilRestored()
    {
        using var sink = TestServices.FileSink(_directory);
        var journal = TestServices.Journal(sink, _time);
        var health = new AuditSinkHealthCheck(sink);
        var explained = Entry() with { Explanation = """{"reason":"allowed"}"""u8.ToArray() };
        await journal.AppendAsync(explained);
        var path = sink.ExplanationsPathOf("t1");
        var saved = await File.ReadAllBytesAsync(path);

        File.Delete(path);

        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(Context(health))).Status);
        await Assert.ThrowsAsync<AuditWriteException>(() => journal.AppendAsync(explained with { Explanation = """{"reason":"another"}"""u8.ToArray() }).AsTask());

        await File.WriteAllBytesAsync(path, saved);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Context(health))).Status);
        Assert.Equal(2, (await journal.AppendAsync(explained)).Seq);
        Assert.True((await journal.VerifyAsync("t1")).Intact);
    }

    [Fact]
    public async Task AppendAsync_RedisDown_RefusedAndUnreadyThenRecoversWithoutRestart()
    {
        await using var server = await RedisServer.StartAsync();
        await using var store = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Endpoint = server.Endpoint, CommandTimeout = TimeSpan.FromSeconds(5), ReconnectMaxBackoff = TimeSpan.FromMilliseconds(200) });
        var sink = new StoreAuditStore(store);
        var journal = TestServices.Journal(sink, _time);
        var health = new AuditSinkHealthCheck(sink);
        await journal.AppendAsync(Entry());

        await server.KillAsync();

        var refused = await Assert.ThrowsAsync<AuditWriteException>(() => journal.AppendAsync(Entry()).AsTask());
        Assert.IsType<StateStoreUnavailableException>(refused.InnerException);
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(Context(health))).Status);

        await server.StartAsync();
        await Eventually.HoldsAsync(
            async () => (await health.CheckHealthAsync(Context(health))).Status == HealthStatus.Healthy, TimeSpan.FromSeconds(30), "The sink never became ready again.");

        // The restarted server kept nothing (no persistence): the chain starts again and verifies.
        var record = await journal.AppendAsync(Entry());
        Assert.Equal(1, record.Seq);
        Assert.True((await journal.VerifyAsync("t1")).Intact);
    }

    internal static AuditEntry Entry() => new() { Tenant = "t1", Agent = "a", Decision = "allow", StatusCode = 200 };

    internal static HealthCheckContext Context(IHealthCheck check) =>
        new() { Registration = new HealthCheckRegistration(AuditSinkHealthCheck.Name, check, HealthStatus.Unhealthy, ["ready"]) };

    private sealed class UnavailableSink : IAuditStore
    {
        public ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default) => throw new StateStoreUnavailableException("down");

        public ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default) =>
            throw new StateStoreUnavailableException("down");

        public IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, CancellationToken cancellationToken = default) => throw new StateStoreUnavailableException("down");

        public ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default) => throw new StateStoreUnavailableException("down");

        public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) => throw new StateStoreUnavailableException("down");

        public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) => throw new StateStoreUnavailableException("down");

        public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => throw new StateStoreUnavailableException("down");
    }

    private sealed class AlwaysConflictingSink : IAuditStore
    {
        public ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default) => ValueTask.FromResult(AuditTip.Genesis);

        public ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(false);

        public IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<string>();

        public ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<AuditReceiptBatch>>([]);

        public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) => ValueTask.FromResult<string?>(null);

        public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<string>>([]);

        public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
