namespace Gateway.Store.Tests;

/// <summary>
/// The group commit's completion (#52, one wake-up per request): the sender goes on with every request of its batch
/// itself, and the group commits those requests start meanwhile go as one group once the last has gone on. The batch's
/// store call is a gated function here; the store's own batches run against redis-server in RedisAdmissionBatchTests.
/// </summary>
public sealed class RedisGroupCommitTests
{
    [Fact]
    public async Task SendAsync_BatchCompleted_EveryCallerGoesOnOnTheSendersThread()
    {
        var store = new FirstSendHeld(static (_, batch) => [.. batch.Select(static r => r * 10)]);
        var commit = new RedisGroupCommit<int, int>(store.SendAsync, maxBatch: 16);
        var first = commit.SendAsync(0, CancellationToken.None).AsTask();
        var threads = new int[3];
        var queued = Enumerable.Range(1, 3).Select(i => GoOnAsync(commit, i, threads)).ToArray();

        store.Release();
        await first;
        var outcomes = await Task.WhenAll(queued);

        Assert.Equal([10, 20, 30], outcomes);
        Assert.Equal(2, store.Sends);
        Assert.Single(threads.Distinct());
    }

    [Fact]
    public async Task SendAsync_CallersOfABatchStartAnotherGroupCommit_ItsRequestsGoAsOneGroupAfterTheLast()
    {
        var store = new FirstSendHeld(static (_, batch) => [.. batch]);
        var admit = new RedisGroupCommit<int, int>(store.SendAsync, maxBatch: 16);
        var recordBatches = new List<int[]>();
        var record = new RedisGroupCommit<int, int>(async batch =>
        {
            lock (recordBatches)
            {
                recordBatches.Add([.. batch]);
            }

            await Task.Yield();
            return [.. batch];
        }, maxBatch: 16);
        var first = admit.SendAsync(0, CancellationToken.None).AsTask();
        var requests = Enumerable.Range(1, 4).Select(async i =>
        {
            var admitted = await admit.SendAsync(i, CancellationToken.None).ConfigureAwait(false);
            return await record.SendAsync(admitted, CancellationToken.None).ConfigureAwait(false);
        }).ToArray();

        store.Release();
        await first;
        var recorded = await Task.WhenAll(requests);

        Assert.Equal([1, 2, 3, 4], recorded);
        Assert.Equal([1, 2, 3, 4], Assert.Single(recordBatches));
    }

    [Fact]
    public async Task SendAsync_BatchFails_EveryCallerGetsTheStoreErrorAndTheNextBatchIsSent()
    {
        var store = new FirstSendHeld(static (send, batch) => send == 2 ? throw new InvalidOperationException("connection lost") : [.. batch]);
        var commit = new RedisGroupCommit<int, int>(store.SendAsync, maxBatch: 16);
        var first = commit.SendAsync(0, CancellationToken.None).AsTask();
        var failed = Enumerable.Range(1, 3).Select(i => commit.SendAsync(i, CancellationToken.None).AsTask()).ToArray();

        store.Release();
        await first;
        foreach (var request in failed)
        {
            await Assert.ThrowsAsync<StateStoreUnavailableException>(() => request);
        }

        Assert.Equal(4, await commit.SendAsync(4, CancellationToken.None));
        Assert.Equal(3, store.Sends);
    }

    [Fact]
    public async Task SendAsync_ManyCallersOnManyThreads_EachGetsItsOwnOutcome()
    {
        // A request arriving just as a sender lets go starts the next sender, which reuses the batch list: the sender going
        // on with its own batch must have taken its waiters out first, or it completes another batch's waiters.
        var commit = new RedisGroupCommit<int, int>(async batch =>
        {
            await Task.Yield();
            return [.. batch.Select(static r => r * 10)];
        }, maxBatch: 8);
        var callers = Enumerable.Range(0, 8).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                var request = (caller * 10_000) + i;
                Assert.Equal(request * 10, await commit.SendAsync(request, CancellationToken.None).ConfigureAwait(false));
            }
        }));

        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task SendAsync_CancelledWhileQueued_NeverSentAndTheRequestsAfterItEachGetTheirOwnOutcome()
    {
        // A request cancelled while queued is left out of the batch, and its waiter, once given back, serves later requests.
        var sent = new List<int>();
        var store = new FirstSendHeld((_, batch) =>
        {
            lock (sent)
            {
                sent.AddRange(batch);
            }

            return [.. batch.Select(static r => r * 10)];
        });
        var commit = new RedisGroupCommit<int, int>(store.SendAsync, maxBatch: 16);
        var first = commit.SendAsync(1, CancellationToken.None).AsTask();
        using var cancelled = new CancellationTokenSource();
        var leftOut = commit.SendAsync(2, cancelled.Token).AsTask();
        var queued = commit.SendAsync(3, CancellationToken.None).AsTask();

        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leftOut.WaitAsync(TimeSpan.FromSeconds(10)));
        store.Release();

        Assert.Equal(10, await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(30, await queued.WaitAsync(TimeSpan.FromSeconds(10)));
        for (var request = 4; request < 100; request++)
        {
            Assert.Equal(request * 10, await commit.SendAsync(request, CancellationToken.None));
        }

        Assert.DoesNotContain(2, sent);
        Assert.Equal(98, sent.Count);
    }

    private static async Task<int> GoOnAsync(RedisGroupCommit<int, int> commit, int request, int[] threads)
    {
        // Off xunit's synchronization context, so that the continuation runs where the waiter is completed.
        var outcome = await commit.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        threads[request - 1] = Environment.CurrentManagedThreadId;
        return outcome;
    }

    /// <summary>
    /// A batch's store call whose first send waits until <see cref="Release"/> (a call in flight, so that what arrives
    /// meanwhile queues); every send is answered after a yield by <c>answer</c>, given the send's number (from 1).
    /// </summary>
    private sealed class FirstSendHeld(Func<int, IReadOnlyList<int>, int[]> answer)
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _sends;

        public int Sends => Volatile.Read(ref _sends);

        public void Release() => _release.SetResult();

        public async Task<int[]> SendAsync(IReadOnlyList<int> batch)
        {
            var send = Interlocked.Increment(ref _sends);
            if (send == 1)
            {
                await _release.Task;
            }

            await Task.Yield();
            return answer(send, batch);
        }
    }
}
