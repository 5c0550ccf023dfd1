using Gateway.Audit.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Gateway.Testing.Stores;

namespace Gateway.Audit.Tests;

/// <summary>
/// Several groups of one chain in flight (<c>Gateway:Audit:GroupsInFlight</c>, #71): over a sink that keeps its calls in
/// order, the next group is sealed on the end the group in flight will leave and sent without waiting for it; groups end in
/// order; a group sent behind one that was not appended appends nothing and is sealed again on the end read back; a sink
/// that does not keep order gets one group at a time.
/// </summary>
public sealed class AuditChainGroupsInFlightTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly string _tenant = TestServices.NewTenant();

    [Fact]
    public async Task AppendAsync_GroupInFlight_SendsTheNextGroupBeforeTheFirstIsAcknowledged()
    {
        var sink = new HeldSink(new StoreAuditStore(new InMemoryStateStore(_time)), keepsOrder: true, FirstCall.HeldAfterItRan);
        var journal = TestServices.Journal(sink, _time);

        var first = journal.AppendAsync(Entry(0)).AsTask();
        await sink.FirstStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = journal.AppendAsync(Entry(1)).AsTask();
        await sink.SecondStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(sink.ReleasedBeforeSecond);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        sink.Release.SetResult();
        var (a, b) = (await first, await second);

        Assert.Equal(1, a.Seq);
        Assert.Equal(2, b.Seq);
        Assert.Equal(a.Hash, b.PrevHash);
        var verification = await journal.VerifyAsync(_tenant);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(2, verification.Records);
    }

    [Fact]
    public async Task AppendAsync_SinkThatDoesNotKeepOrder_SendsOneGroupAtATime()
    {
        var sink = new HeldSink(new StoreAuditStore(new InMemoryStateStore(_time)), keepsOrder: false, FirstCall.HeldAfterItRan);
        var journal = TestServices.Journal(sink, _time);

        var first = journal.AppendAsync(Entry(0)).AsTask();
        await sink.FirstStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = journal.AppendAsync(Entry(1)).AsTask();
        sink.Release.SetResult();
        var (a, b) = (await first, await second);

        Assert.True(sink.ReleasedBeforeSecond);
        Assert.Equal(2, sink.Calls);
        Assert.Equal(a.Hash, b.PrevHash);
        Assert.True((await journal.VerifyAsync(_tenant)).Intact);
    }

    [Fact]
    public async Task AppendAsync_GroupBeforeItNotAppended_AppendsNothingThenIsSealedAgainOnTheTip()
    {
        var sink = new HeldSink(new StoreAuditStore(new InMemoryStateStore(_time)), keepsOrder: true, FirstCall.FailsUnsentOnceTheSecondIsSent);
        var journal = TestServices.Journal(sink, _time);

        var first = journal.AppendAsync(Entry(0)).AsTask();
        await sink.FirstStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = journal.AppendAsync(Entry(1)).AsTask();

        await Assert.ThrowsAsync<AuditWriteException>(() => first);
        var record = await second;

        // The second group was sent sealed on the first's end (seq 2), found the chain empty and appended nothing; sent
        // again on the end read back, it is the chain's first record.
        Assert.Equal(3, sink.Calls);
        Assert.Equal(1, record.Seq);
        var verification = await journal.VerifyAsync(_tenant);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(1, verification.Records);
    }

    [Fact]
    public async Task AppendAsync_ManyAtOnceWithGroupsInFlight_OneIntactChainInAppendOrderPerRequest()
    {
        var store = new InMemoryStateStore(_time);
        var journal = TestServices.Journal(new StoreAuditStore(store), _time);

        var records = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => journal.AppendAsync(Entry(i)).AsTask())));

        Assert.Equal(Enumerable.Range(1, 200).Select(s => (long)s), records.Select(r => r.Seq).Order());
        var verification = await journal.VerifyAsync(_tenant);
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(200, verification.Records);
    }

    [Fact]
    public async Task AppendAsync_LoneGroup_SealerEndsWithoutAThreadPoolHop()
    {
        var sink = new HeldSink(new StoreAuditStore(new InMemoryStateStore(_time)), keepsOrder: true, FirstCall.HeldAfterItRan);
        var journal = TestServices.Journal(sink, _time);
        var hops = new CountingContext();

        // The sealer runs on the appending thread; a hop it took (a yield to look for another group) would be posted here.
        Task<AuditRecord> append;
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(hops);
        try
        {
            append = journal.AppendAsync(Entry(0)).AsTask();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        await sink.FirstStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, hops.Posts);
        sink.Release.SetResult();
        Assert.Equal(1, (await append).Seq);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(8, 2)]
    [InlineData(12, 3)]
    [InlineData(16, 4)]
    [InlineData(64, 4)]
    public void DefaultGroupsInFlight_Cores_AQuarterOfThemFromTwoToFour(int cores, int expected)
    {
        Assert.Equal(expected, Options.AuditOptions.DefaultGroupsInFlight(cores));
        Assert.Equal(3, new Options.AuditOptions { GroupsInFlight = 3 }.EffectiveGroupsInFlight);
    }

    private AuditEntry Entry(int i) => new()
    {
        Tenant = _tenant,
        Workspace = "ws-1",
        Agent = "agent-1",
        Tool = "crm.update",
        Connector = "crm",
        RequestId = "req-" + i,
        Decision = "allow_and_log",
        PolicyDigest = "p1",
        IntentDigest = "i" + i,
        StatusCode = 200,
        Invoked = true,
    };

    /// <summary>Counts what is posted to it and runs it on the thread pool.</summary>
    private sealed class CountingContext : SynchronizationContext
    {
        private int _posts;

        public int Posts => Volatile.Read(ref _posts);

        public override void Post(SendOrPostCallback d, object? state)
        {
            Interlocked.Increment(ref _posts);
            ThreadPool.QueueUserWorkItem(_ => d(state));
        }
    }

    private enum FirstCall
    {
        /// <summary>The first call reaches the store; its answer is held until released.</summary>
        HeldAfterItRan,

        /// <summary>The first call never reaches the store: once the second call is sent, it fails.</summary>
        FailsUnsentOnceTheSecondIsSent,
    }

    /// <summary>A sink that holds or fails its first append call (as <see cref="FirstCall"/> says) and counts calls.</summary>
    private sealed class HeldSink(IAuditStore inner, bool keepsOrder, FirstCall first) : DelegatingAuditStore(inner)
    {
        private int _calls;

        public TaskCompletionSource FirstStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource SecondStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Whether the first call had been released when the second call started.</summary>
        public bool ReleasedBeforeSecond { get; private set; }

        public int Calls => Volatile.Read(ref _calls);

        public override bool KeepsAppendOrder => keepsOrder;

        public override async ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
        {
            var call = Interlocked.Increment(ref _calls);
            if (call == 2)
            {
                ReleasedBeforeSecond = Release.Task.IsCompleted;
                SecondStarted.SetResult();
            }

            if (call != 1)
            {
                return await Inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);
            }

            FirstStarted.SetResult();
            if (first == FirstCall.FailsUnsentOnceTheSecondIsSent)
            {
                await SecondStarted.Task;
                throw new StateStoreUnavailableException("The store went away before the first group reached it.");
            }

            var appended = await Inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);
            await Release.Task;
            return appended;
        }
    }
}
