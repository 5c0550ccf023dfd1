using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>
/// The waiter a group commit completes: inline (the caller's request goes on on the writer's thread, before the writer
/// goes on) or on the thread pool; the first outcome or error settled wins; a cancellation is seen at once by the
/// writer and ends the wait on the thread pool, never on the canceller's thread; reused only once the writer, the caller
/// and the cancellation have all let go, and a stale caller's wait no longer reads it.
/// </summary>
public sealed class GroupCommitWaiterTests
{
    [Fact]
    public void CompleteInline_Settled_ContinuationRunsBeforeItReturns()
    {
        var waiter = TestWaiter.Started();
        var seen = 0;
        var continuation = waiter.Task.AsTask().ContinueWith(t => seen = t.Result, TaskContinuationOptions.ExecuteSynchronously);
        waiter.Settle(7);

        waiter.CompleteInline();

        Assert.Equal(7, seen);
        Assert.True(continuation.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task CompleteOnThreadPool_Settled_CompletesOnAnotherThread()
    {
        var waiter = TestWaiter.Started();
        var writerThread = Environment.CurrentManagedThreadId;
        var continuationThread = new TaskCompletionSource<int>();
        var task = waiter.Task.AsTask();
        _ = task.ContinueWith(_ => continuationThread.SetResult(Environment.CurrentManagedThreadId), TaskContinuationOptions.ExecuteSynchronously);
        waiter.Settle(3);

        waiter.CompleteOnThreadPool();

        Assert.Equal(3, await task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.NotEqual(writerThread, await continuationThread.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Fail_AfterSettle_TheOutcomeStands()
    {
        var waiter = TestWaiter.Started();
        waiter.Settle(1);
        waiter.Fail(new InvalidOperationException("later"));

        waiter.CompleteInline();

        Assert.Equal(1, await waiter.Task);
    }

    [Fact]
    public async Task Settle_AfterFail_TheErrorStands()
    {
        var waiter = TestWaiter.Started();
        var task = waiter.Task.AsTask();
        waiter.Fail(new StateStoreUnavailableException("down"));
        waiter.Settle(1);

        waiter.CompleteOnThreadPool();

        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Cancel_BeforeCompletion_SeenAtOnceAndEndsTheWaitNotInsideTheCancel()
    {
        using var source = new CancellationTokenSource();
        var waiter = TestWaiter.Started(source.Token);
        var cancellerThread = Environment.CurrentManagedThreadId;
        var cancelling = true;
        var ranInsideTheCancel = new TaskCompletionSource<bool>();
        var task = waiter.Task.AsTask();
        _ = task.ContinueWith(
            _ => ranInsideTheCancel.SetResult(Volatile.Read(ref cancelling) && Environment.CurrentManagedThreadId == cancellerThread),
            TaskContinuationOptions.ExecuteSynchronously);

        source.Cancel();
        Volatile.Write(ref cancelling, false);

        Assert.True(waiter.IsCancellationRequested);
        Assert.False(waiter.IsSettled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(await ranInsideTheCancel.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Reuse_OnlyOnceTheWriterAndTheCallerLetGo()
    {
        var waiter = TestWaiter.Started();
        waiter.Settle(5);
        waiter.CompleteInline();
        Assert.Equal(0, waiter.Reused);

        Assert.Equal(5, await waiter.Task);

        Assert.Equal(1, waiter.Reused);
    }

    [Fact]
    public async Task Reuse_WhenTheCallerReadFirst_OnlyOnceTheWriterCompletedIt()
    {
        var waiter = TestWaiter.Started();
        var wait = waiter.Task.AsTask();
        Assert.Equal(0, waiter.Reused);

        waiter.Settle(9);
        waiter.CompleteOnThreadPool();

        Assert.Equal(9, await wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, await ReusedOnceSettled(waiter));
    }

    [Fact]
    public async Task LetGo_CancelledBeforeItWasSent_ReusedOnceTheCancellationAndTheCallerAreDone()
    {
        using var source = new CancellationTokenSource();
        var waiter = TestWaiter.Started(source.Token);
        var wait = waiter.Task.AsTask();
        source.Cancel();

        waiter.LetGo();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, await ReusedOnceSettled(waiter));
    }

    [Fact]
    public async Task Task_AfterReuse_TheNewWaitReadsItsOwnOutcomeAndTheStaleOneThrows()
    {
        var waiter = TestWaiter.Started();
        var stale = waiter.Task;
        waiter.Settle(1);
        waiter.CompleteInline();
        Assert.Equal(1, await stale);

        waiter.Start(CancellationToken.None);
        var fresh = waiter.Task;
        waiter.Settle(2);
        waiter.CompleteInline();

        Assert.Equal(2, await fresh);
        Assert.Throws<InvalidOperationException>(() => stale.GetAwaiter().GetResult());
        Assert.Equal(2, waiter.Reused);
    }

    [Fact]
    public async Task CompleteInline_AfterTheCallerWasCancelled_TheCancellationStandsAndItIsReusedOnce()
    {
        using var source = new CancellationTokenSource();
        var waiter = TestWaiter.Started(source.Token);
        var wait = waiter.Task.AsTask();
        source.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(10)));

        waiter.Settle(4);
        waiter.CompleteInline();

        Assert.Equal(1, await ReusedOnceSettled(waiter));
    }

    // The last to let go may be a thread-pool item still finishing after the caller's wait ended: wait for it to settle,
    // then a little longer, so that a second reuse would show too.
    private static async Task<int> ReusedOnceSettled(TestWaiter waiter)
    {
        await Eventually.HoldsAsync(() => waiter.Reused > 0, TimeSpan.FromSeconds(10), "the waiter was never reused");
        await Task.Delay(50);
        return waiter.Reused;
    }

    private sealed class TestWaiter : GroupCommitWaiter<int>
    {
        private int _reused;

        public int Reused => Volatile.Read(ref _reused);

        public static TestWaiter Started(CancellationToken cancellationToken = default)
        {
            var waiter = new TestWaiter();
            waiter.Start(cancellationToken);
            return waiter;
        }

        public void Start(CancellationToken cancellationToken) => Begin(cancellationToken);

        protected override void Reuse() => Interlocked.Increment(ref _reused);
    }
}
