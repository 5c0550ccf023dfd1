using Gateway.Audit.Options;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Gateway.Testing.Stores;

namespace Gateway.Audit.Tests;

/// <summary>
/// Decision records that carry their request's admission into their group's store call (#71): one store call per group,
/// each append its own outcome, nothing admitted by a conflicted or failed group; a sink that cannot admit admits first.
/// </summary>
public abstract partial class AuditJournalAdmissionTests
{
    private static readonly TimeSpan LongWindow = TimeSpan.FromHours(1);

    protected ManualTimeProvider Time { get; } = new();

    protected string Tenant { get; } = TestServices.NewTenant();

    protected abstract IStateStore Store { get; }

    /// <summary>The store calls named <c>log_append_admit</c> made since the test began, where the store measures them (Redis); null where it does not.</summary>
    protected virtual int? AppendAdmitCalls => null;

    [Fact]
    public async Task AppendWithReceiptAsync_ConcurrentAdmissionsInOneGroup_OneStoreCallAndEachItsOwnOutcome()
    {
        var sink = new GatedAdmittingSink(new StoreAuditStore(Store));
        var journal = TestServices.Journal(sink, Time);
        var first = journal.AppendWithReceiptAsync(Decided(0), Admission("n-0", limit: 3)).AsTask();
        await sink.FirstAppendStarted.Task;

        // The next group: five decisions (folded into one record) with their admissions, one repeating a nonce of the group,
        // the window admitting three of the six requests that reach it; and one decision that carries none.
        var queued = new[]
        {
            journal.AppendWithReceiptAsync(Decided(1), Admission("n-1", limit: 3)).AsTask(),
            journal.AppendWithReceiptAsync(Decided(2), Admission("n-2", limit: 3)).AsTask(),
            journal.AppendWithReceiptAsync(Decided(3), Admission("n-2", limit: 3)).AsTask(),
            journal.AppendWithReceiptAsync(Decided(4), Admission("n-4", limit: 3)).AsTask(),
            journal.AppendWithReceiptAsync(Decided(5), Admission("n-5", limit: 3)).AsTask(),
            journal.AppendWithReceiptAsync(Decided(6), admission: null).AsTask(),
        };
        sink.Release.SetResult();
        var appended = await Task.WhenAll([first, .. queued]);

        Assert.Equal(2, sink.Calls);
        Assert.Equal([1, 5], sink.Admissions.ToArray());
        Assert.Equal(0, sink.PlainAppends);
        Assert.Equal([true, true, true, false, true, true], appended[..6].Select(a => a.Admission!.Value.NonceFresh));
        Assert.Equal([true, true, true, true, false, false], appended[..6].Select(a => a.Admission!.Value.RateLimit.Admitted));
        Assert.Null(appended[6].Admission);
        Assert.All(appended, a => Assert.NotNull(a.Receipt));
        Assert.Single(appended[1..].DistinctBy(a => a.Record.Seq));
        if (AppendAdmitCalls is { } calls)
        {
            Assert.Equal(2, calls);
        }

        var verified = await journal.VerifyAsync(Tenant);
        Assert.True(verified.Intact, verified.Reason);
    }

    [Fact]
    public async Task AppendWithReceiptAsync_GroupConflicted_RetriedAndAdmittedOnce()
    {
        var a = new GatedAdmittingSink(new StoreAuditStore(Store), hold: false);
        var first = TestServices.Journal(a, Time, "shared");
        var second = TestServices.Journal(new StoreAuditStore(Store), Time, "shared");

        // The first writer learns the chain's tip, then the other extends it: the first's next group conflicts, admits
        // nothing, and is written again with its admission.
        await first.AppendWithReceiptAsync(Decided(0), admission: null);
        await second.AppendAsync(Decided(1));
        var appended = await first.AppendWithReceiptAsync(Decided(2), Admission("n-conflict", limit: 1));

        Assert.Equal(1, a.Conflicts);
        Assert.True(appended.Admission!.Value.NonceFresh);
        Assert.True(appended.Admission.Value.RateLimit.Admitted);
        Assert.Equal(3, appended.Record.Seq);
        var alone = await Store.AdmitAsync(Admission("n-after", limit: 1));
        Assert.False(alone.RateLimit.Admitted);
    }

    [Fact]
    public async Task AppendWithReceiptAsync_StoreFails_EveryAppendOfTheGroupFailsAndNothingIsAdmitted()
    {
        var sink = new GatedAdmittingSink(new StoreAuditStore(Store)) { Failing = true };
        var journal = TestServices.Journal(sink, Time);
        var first = journal.AppendWithReceiptAsync(Decided(0), Admission("f-0", limit: 5)).AsTask();
        await sink.FirstAppendStarted.Task;
        var queued = Enumerable.Range(1, 3).Select(i => journal.AppendWithReceiptAsync(Decided(i), Admission("f-" + i, limit: 5)).AsTask()).ToArray();
        sink.Release.SetResult();

        foreach (var append in queued.Prepend(first))
        {
            await Assert.ThrowsAsync<AuditWriteException>(() => append);
        }

        Assert.True((await Store.AdmitAsync(Admission("f-1", limit: 5))).NonceFresh);
        Assert.Equal(4, journal.BacklogCount);
    }

    [Fact]
    public async Task AppendWithReceiptAsync_FileSink_AdmitsFirstThenAppends()
    {
        var directory = Directory.CreateTempSubdirectory("gw-audit-admit-");
        try
        {
            using var files = TestServices.FileSink(directory.FullName);
            var journal = new AuditJournal(files, [], Time, TestServices.Metrics, Microsoft.Extensions.Options.Options.Create(new AuditOptions { ReplicaId = TestServices.Replica, ChainsPerReplica = 1 }),
                Microsoft.Extensions.Options.Options.Create(new EvidenceOptions()), TestServices.ReceiptKeys, Microsoft.Extensions.Logging.Abstractions.NullLogger<AuditJournal>.Instance, leaves: null, admissions: Store);

            var appended = await journal.AppendWithReceiptAsync(Decided(0), Admission("file-0", limit: 1));
            var replayed = await journal.AppendWithReceiptAsync(Decided(1), Admission("file-0", limit: 1));

            Assert.True(appended.Admission!.Value.NonceFresh);
            Assert.False(replayed.Admission!.Value.NonceFresh);
            Assert.Equal([1L, 2L], new[] { appended.Record.Seq, replayed.Record.Seq });
            var unadmitted = TestServices.Journal(files, Time);
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await unadmitted.AppendWithReceiptAsync(Decided(2), Admission("file-2", limit: 1)));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AppendUnawaited_WithASettle_SettledInTheOutcomeGroupsOneStoreCall()
    {
        var sink = new GatedAdmittingSink(new StoreAuditStore(Store), hold: false);
        var journal = TestServices.Journal(sink, Time);
        var budget = StoreKeys.Budget(Tenant, "agent-1:*");
        var reserved = await Store.TryReserveAsync(budget, 100, 100, LongWindow);
        Assert.True(reserved.Reserved);

        await journal.AppendUnawaited(Outcome(0), new BudgetSettle(budget, 100, 25, LongWindow, reserved.Slot));

        Assert.True(journal.SettlesWithAppends);
        Assert.Equal(1, sink.Calls);
        Assert.Equal(0, sink.PlainAppends);
        Assert.Equal(25, (await Store.TryReserveAsync(budget, 0, 100, LongWindow)).Used);
        Assert.Equal(1, (await journal.VerifyAsync(Tenant)).Records);
    }

    [Fact]
    public async Task AppendUnawaited_SettleOfAConflictedGroup_SettledOnce()
    {
        var a = new GatedAdmittingSink(new StoreAuditStore(Store), hold: false);
        var first = TestServices.Journal(a, Time, "shared");
        var second = TestServices.Journal(new StoreAuditStore(Store), Time, "shared");
        var budget = StoreKeys.Budget(Tenant, "agent-1:*");
        var reserved = await Store.TryReserveAsync(budget, 100, 100, LongWindow);
        Assert.True(reserved.Reserved);

        // The first writer's group conflicts once (the other extended the chain): it settles nothing then, and once when written.
        await first.AppendWithReceiptAsync(Decided(0), admission: null);
        await second.AppendAsync(Decided(1));
        await first.AppendUnawaited(Outcome(0), new BudgetSettle(budget, 60, 10, LongWindow, reserved.Slot));

        Assert.Equal(1, a.Conflicts);
        Assert.Equal(50, (await Store.TryReserveAsync(budget, 0, 100, LongWindow)).Used);
        Assert.Equal(3, await Store.LogLengthAsync(StoreKeys.AuditLog(Tenant, "shared")));
    }

    [Fact]
    public async Task AppendUnawaited_SettleWithAFileSink_Refused()
    {
        var directory = Directory.CreateTempSubdirectory("gw-audit-settle-");
        try
        {
            using var files = TestServices.FileSink(directory.FullName);
            var journal = TestServices.Journal(files, Time);

            Assert.False(journal.SettlesWithAppends);
            var settle = new BudgetSettle(StoreKeys.Budget(Tenant, "agent-1:*"), 10, 5, LongWindow, Slot: 0);
            Assert.Throws<InvalidOperationException>(() => { _ = journal.AppendUnawaited(Outcome(0), settle); });
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private AuditEntry Outcome(int i) => Decided(i) with { StatusCode = 200, Invoked = true, Explanation = default, Fold = AuditFold.Outcome };

    private AdmissionRequest Admission(string nonce, int limit) =>
        new(StoreKeys.Nonce(Tenant, "agent-1", nonce), "ts", TimeSpan.FromMinutes(5), [], [new RateLimitWindow($"gw:{{{Tenant}}}:rl:agent-1", limit, LongWindow)]);

    private AuditEntry Decided(int i) => new()
    {
        Tenant = Tenant,
        Agent = "agent-1",
        Tool = "crm.update",
        RequestId = "req-" + i,
        Decision = "allow",
        StatusCode = 0,
        Invoked = false,
        PolicyDigest = "p1",
        IntentDigest = "i" + i,
        Explanation = """{"policy_digest":"p1","decision_path":[{"control":"agent_registration","outcome":"pass"}]}"""u8.ToArray(),
        Fold = AuditFold.Decision,
    };

    /// <summary>
    /// A sink that admits, counting its calls and the admissions each carried; holds its first call until released (when
    /// asked), counts conflicts, and fails every call when <see cref="Failing"/>.
    /// </summary>
    private sealed class GatedAdmittingSink(StoreAuditStore inner, bool hold = true) : DelegatingAuditStore(inner), IAdmittingAuditStore
    {
        private readonly StoreAuditStore _admitting = inner;
        private int _calls;
        private int _plain;
        private int _conflicts;

        public TaskCompletionSource FirstAppendStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Failing { get; init; }

        public int Calls => Volatile.Read(ref _calls);

        public int PlainAppends => Volatile.Read(ref _plain);

        public int Conflicts => Volatile.Read(ref _conflicts);

        public System.Collections.Concurrent.ConcurrentQueue<int> Admissions { get; } = new();

        public async ValueTask<AppendAdmission> TryAppendAdmittingAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, IReadOnlyList<AdmissionRequest> admissions, IReadOnlyList<BudgetSettle> settles, CancellationToken cancellationToken = default)
        {
            Admissions.Enqueue(admissions.Count);
            if (Interlocked.Increment(ref _calls) == 1 && hold)
            {
                FirstAppendStarted.SetResult();
                await Release.Task;
            }

            if (Failing)
            {
                throw new StateStoreUnavailableException("The store is down.");
            }

            var result = await _admitting.TryAppendAdmittingAsync(partition, expectedLength, lines, lastHash, explanations, receipts, admissions, settles, cancellationToken);
            if (!result.Appended)
            {
                Interlocked.Increment(ref _conflicts);
            }

            return result;
        }

        public override async ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _plain);
            var appended = await Inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);
            if (!appended)
            {
                Interlocked.Increment(ref _conflicts);
            }

            return appended;
        }
    }
}

/// <summary>Appends that admit on the embedded store (one journal record per group where it is durable).</summary>
public sealed class AuditJournalInMemoryAdmissionTests : AuditJournalAdmissionTests
{
    public AuditJournalInMemoryAdmissionTests()
    {
        Store = new InMemoryStateStore(Time);
    }

    protected override IStateStore Store { get; }
}

/// <summary>Appends that admit on a real redis-server: one script run per group, counted by the store's own meter.</summary>
public sealed class AuditJournalRedisAdmissionTests : AuditJournalAdmissionTests, IClassFixture<RedisFixture>, IDisposable
{
    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private int _appendAdmitCalls;

    public AuditJournalRedisAdmissionTests(RedisFixture redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        Store = redis.Connect();
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Gateway.Store" && instrument.Name == "gateway.store.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "operation" && tag.Value is "log_append_admit")
                {
                    Interlocked.Increment(ref _appendAdmitCalls);
                }
            }
        });
        _listener.Start();
    }

    protected override IStateStore Store { get; }

    protected override int? AppendAdmitCalls => Volatile.Read(ref _appendAdmitCalls);

    public void Dispose() => _listener.Dispose();
}
