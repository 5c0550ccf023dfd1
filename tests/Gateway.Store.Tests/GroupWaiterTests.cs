namespace Gateway.Store.Tests;

/// <summary>
/// The waiter a group commit completes: inline (the caller's request goes on on the writer's thread, before the writer
/// goes on) or on the thread pool; the first outcome or error settled wins; a cancellation is seen at once by the
/// writer and ends the wait on the thread pool, never on the canceller's thread.
/// </summary>
public sealed class GroupWaiterTests
{
    [Fact]
    public void CompleteInline_Settled_ContinuationRunsBeforeItReturns()
    {
        var waiter = new GroupWaiter<int>();
        var seen = 0;
        var continuation = waiter.Task.ContinueWith(t => seen = t.Result, TaskContinuationOptions.ExecuteSynchronously);
        waiter.Settle(7);

        waiter.CompleteInline();

        Assert.Equal(7, seen);
        Assert.True(continuation.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task CompleteOnThreadPool_Settled_CompletesOnAnotherThread()
    {
        var waiter = new GroupWaiter<string>();
        var writerThread = Environment.CurrentManagedThreadId;
        var continuationThread = new TaskCompletionSource<int>();
        _ = waiter.Task.ContinueWith(_ => continuationThread.SetResult(Environment.CurrentManagedThreadId), TaskContinuationOptions.ExecuteSynchronously);
        waiter.Settle("ok");

        waiter.CompleteOnThreadPool();

        Assert.Equal("ok", await waiter.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.NotEqual(writerThread, await continuationThread.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Fail_AfterSettle_TheOutcomeStands()
    {
        var waiter = new GroupWaiter<int>();
        waiter.Settle(1);
        waiter.Fail(new InvalidOperationException("later"));

        waiter.CompleteInline();

        Assert.Equal(1, await waiter.Task);
    }

    [Fact]
    public async Task Settle_AfterFail_TheErrorStands()
    {
        var waiter = new GroupWaiter<int>();
        waiter.Fail(new StateStoreUnavailableException("down"));
        waiter.Settle(1);

        waiter.CompleteOnThreadPool();

        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => waiter.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(waiter.IsSettled);
    }

    [Fact]
    public async Task CancelOnThreadPool_SeenAtOnceAndEndsTheWaitCancelled()
    {
        var waiter = new GroupWaiter<int>();
        using var source = new CancellationTokenSource();

        waiter.CancelOnThreadPool(source.Token);

        Assert.True(waiter.IsCancellationRequested);
        Assert.False(waiter.IsSettled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
