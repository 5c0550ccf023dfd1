using System.Text;
using Gateway.Audit.Options;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.AuditChain;
using Gateway.Store;
using Gateway.Testing.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Audit.Tests;

public abstract class AuditJournalStoreTests : AuditJournalTests
{
    protected abstract IStateStore Store { get; }

    /// <summary>The store as another replica reaches it (its own connection where there is one).</summary>
    protected virtual IStateStore OtherReplicaStore => Store;

    protected override IAuditStore CreateSink() => new StoreAuditStore(Store);

    protected override async Task<List<string>> ReadRawAsync()
    {
        var key = StoreKeys.AuditLog(Tenant, TestServices.Replica);
        return [.. await Store.ReadLogAsync(key, 0, (int)await Store.LogLengthAsync(key))];
    }

    protected override Task<long> CountExplanationsAsync() => Store.HashLengthAsync(StoreKeys.AuditExplanations(Tenant)).AsTask();

    protected override async Task ReplaceExplanationsAsync(string digest, string explanation)
    {
        var key = StoreKeys.AuditExplanations(Tenant);
        await Store.DeleteAsync(key);
        Assert.True(await Store.TryAppendAsync(key + ":scratch", 0, ["x"u8.ToArray()], key, [KeyValuePair.Create(digest, Encoding.UTF8.GetBytes(explanation))]));
    }

    protected override async Task RemoveExplanationsAsync() => await Store.DeleteAsync(StoreKeys.AuditExplanations(Tenant));

    protected override async Task WriteRawAsync(IReadOnlyList<string> lines)
    {
        var key = StoreKeys.AuditLog(Tenant, TestServices.Replica);
        await Store.DeleteAsync(key);

        // One call: the lines as written, whatever they link to (the store checks a group's first line against its tip only).
        Assert.True(await Store.TryAppendAsync(key, 0, [.. lines.Select(static line => Encoding.UTF8.GetBytes(line))]));
    }

    [Fact]
    public async Task AppendAsync_TwoReplicas_TwoChainsThatNeverConflictAndBothVerify()
    {
        var a = new CountingSink(new StoreAuditStore(Store));
        var b = new CountingSink(new StoreAuditStore(OtherReplicaStore));
        var replicaA = TestServices.Journal(a, Time, "replica-a");
        var replicaB = TestServices.Journal(b, Time, "replica-b");

        var records = await Task.WhenAll(Enumerable.Range(0, 120).Select(i => Task.Run(async () => await (i % 2 == 0 ? replicaA : replicaB).AppendAsync(Entry(i)))));

        Assert.Equal(0, a.Conflicts + b.Conflicts);
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), records.Where(r => r.Replica == "replica-a").Select(r => r.Seq).Order());
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), records.Where(r => r.Replica == "replica-b").Select(r => r.Seq).Order());
        var result = await replicaA.VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(120, result.Records);
        Assert.Equal(["replica-a", "replica-b"], result.Partitions.Select(p => p.Replica));
        Assert.All(result.Partitions, p => Assert.Equal(60, p.Records));
    }

    [Fact]
    public async Task AppendAsync_TwoWritersSharingAReplicaId_EveryConflictCountedOnItsPartition()
    {
        var conflicts = new System.Collections.Concurrent.ConcurrentQueue<(long Value, string? Tenant, string? Replica)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = static (instrument, l) =>
            {
                if (instrument.Meter.Name == AuditMetrics.MeterName && instrument.Name == "gateway.audit.append_conflicts")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? tenant = null, replica = null;
            foreach (var tag in tags)
            {
                tenant = tag.Key == "tenant" ? tag.Value as string : tenant;
                replica = tag.Key == "replica" ? tag.Value as string : replica;
            }

            if (tenant == Tenant)
            {
                conflicts.Enqueue((value, tenant, replica));
            }
        });
        listener.Start();
        var a = new CountingSink(new StoreAuditStore(Store));
        var b = new CountingSink(new StoreAuditStore(OtherReplicaStore));
        var first = TestServices.Journal(a, Time, "shared");
        var second = TestServices.Journal(b, Time, "shared");

        // Each writer learns the chain's tip, then the other extends it: the next append of each conflicts at least once.
        await first.AppendAsync(Entry(0));
        await second.AppendAsync(Entry(1));
        await first.AppendAsync(Entry(2));
        await second.AppendAsync(Entry(3));

        Assert.True(a.Conflicts + b.Conflicts >= 2, $"conflicts: {a.Conflicts} + {b.Conflicts}");
        Assert.Equal(a.Conflicts + b.Conflicts, conflicts.Sum(c => c.Value));
        Assert.All(conflicts, c => Assert.Equal("shared", c.Replica));
        var result = await first.VerifyAsync(Tenant);
        Assert.True(result.Intact, result.Reason);
        Assert.Equal(4, result.Records);
    }

    [Fact]
    public async Task VerifyAsync_TwoReplicasOneTampered_NamesTheReplicaAndIndex()
    {
        var replicaA = TestServices.Journal(new StoreAuditStore(Store), Time, "replica-a");
        var replicaB = TestServices.Journal(new StoreAuditStore(OtherReplicaStore), Time, "replica-b");
        for (var i = 0; i < 4; i++)
        {
            await replicaA.AppendAsync(Entry(i));
            await replicaB.AppendAsync(Entry(i));
        }

        var key = StoreKeys.AuditLog(Tenant, "replica-b");
        var lines = (await Store.ReadLogAsync(key, 0, 10)).ToList();
        lines[1] = lines[1].Replace("\"status_code\":200", "\"status_code\":403", StringComparison.Ordinal);
        await Store.DeleteAsync(key);
        Assert.True(await Store.TryAppendAsync(key, 0, [.. lines.Select(Encoding.UTF8.GetBytes)]));

        var result = await replicaA.VerifyAsync(Tenant);

        Assert.False(result.Intact);
        Assert.Equal("replica-b", result.Replica);
        Assert.Equal(1, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.HashMismatch, result.Reason);
        Assert.True(result.Partitions.Single(p => p.Replica == "replica-a").Intact);
    }

    [Fact]
    public async Task VerifyAsync_RecordMovedToAnotherReplicasChain_IsReplicaMismatch()
    {
        var replicaA = TestServices.Journal(new StoreAuditStore(Store), Time, "replica-a");
        await replicaA.AppendAsync(Entry(0));
        var moved = await Store.ReadLogAsync(StoreKeys.AuditLog(Tenant, "replica-a"), 0, 1);
        await Store.SetAddAsync(StoreKeys.AuditReplicas(Tenant), "replica-z", null);
        Assert.True(await Store.TryAppendAsync(StoreKeys.AuditLog(Tenant, "replica-z"), 0, [.. moved.Select(Encoding.UTF8.GetBytes)]));

        var result = await replicaA.VerifyAsync(Tenant);

        Assert.Equal("replica-z", result.Replica);
        Assert.Equal(0, result.BrokenAtIndex);
        Assert.Equal(AuditBreakReasons.ReplicaMismatch, result.Reason);
    }

    /// <summary>Counts appends lost to another writer (conflicts).</summary>
    private sealed class CountingSink(IAuditStore inner) : DelegatingAuditStore(inner)
    {
        private int _conflicts;

        public int Conflicts => Volatile.Read(ref _conflicts);

        public override async ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
        {
            var appended = await Inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);
            if (!appended)
            {
                Interlocked.Increment(ref _conflicts);
            }

            return appended;
        }
    }
}

public sealed class AuditJournalInMemoryStoreTests : AuditJournalStoreTests
{
    public AuditJournalInMemoryStoreTests()
    {
        Store = new InMemoryStateStore(Time);
    }

    protected override IStateStore Store { get; }

    [Fact]
    public async Task AppendAsync_EachEntry_IsMeasuredInEveryPhaseInSeconds()
    {
        var factory = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var phases = new System.Collections.Concurrent.ConcurrentQueue<(string Phase, double Seconds)>();
        string? unit = null;
        IReadOnlyList<double>? buckets = null;
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "gateway.audit.append.phase")
                {
                    unit = instrument.Unit;
                    buckets = ((System.Diagnostics.Metrics.Histogram<double>)instrument).Advice?.HistogramBucketBoundaries;
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "phase")
                {
                    phases.Enqueue(((string)tag.Value!, value));
                }
            }
        });
        listener.Start();
        var journal = TestServices.Journal(CreateSink(), Time, new AuditMetrics(factory), new EvidenceOptions());

        for (var i = 0; i < 3; i++)
        {
            await journal.AppendAsync(Explained(i));
        }

        // An answered request's outcome: its wait for the chain's next append is its linger, apart from the decisions' queue.
        var outcome = journal.AppendUnawaited(Explained(3));
        await journal.WaitForUnawaitedAsync();
        await outcome;

        Assert.Equal("s", unit);
        Assert.Equal(0.00001, buckets![0]);
        Assert.Equal(1, buckets[^1]);
        Assert.Equal(["lingered", "queued", "seal", "write"], phases.GroupBy(p => p.Phase).Select(g => g.Key).Order(StringComparer.Ordinal));
        Assert.Equal(3, phases.Count(p => p.Phase == "queued"));
        Assert.Equal(1, phases.Count(p => p.Phase == "lingered"));
        Assert.Equal(4, phases.Count(p => p.Phase == "seal"));
        Assert.All(phases, p => Assert.True(p.Seconds >= 0));
    }
}

public sealed class AuditJournalRedisStoreTests(RedisFixture redis) : AuditJournalStoreTests, IClassFixture<RedisFixture>
{
    private readonly IStateStore _second = redis.Connect();

    protected override IStateStore Store { get; } = redis.Connect();

    protected override IStateStore OtherReplicaStore => _second;

    protected override IReadOnlyList<AuditJournal> CreateConcurrentJournals() =>
        [TestServices.Journal(new StoreAuditStore(Store), Time), TestServices.Journal(new StoreAuditStore(_second), Time)];
}
