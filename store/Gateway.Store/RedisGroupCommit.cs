namespace Gateway.Store;

/// <summary>
/// Group commit for store calls of one kind: admissions (<see cref="RedisStateStore.AdmitAsync"/> with
/// <see cref="RedisStoreOptions.BatchAdmissions"/>) and budget settles (<see cref="RedisStateStore.SettleAsync"/>
/// with <see cref="RedisStoreOptions.BatchBudgets"/>). Whoever finds no call in flight sends at once (no
/// timer, no thread of its own); requests that arrive meanwhile queue and go, up to
/// <see cref="RedisStoreOptions.MaxAdmissionBatch"/> at a time and in arrival order, in the next call
/// when the current one completes. Each request keeps its own outcome; a failed call fails every
/// request it carried with <see cref="StateStoreUnavailableException"/> (fail closed). The sender, done, hands the next
/// batch (if one waits) to the thread pool and goes on with every request of its own batch itself, one after another
/// (<see cref="GroupCommitWaiter{TOutcome}.CompleteInline"/>), holding back the group commits they start until the last has
/// gone on (<see cref="GroupCommitDeferral"/>): an admitted batch's decision records are then appended as one group, and
/// a request costs no wake-up of its own for its admission (#52). With <see cref="GroupWaiters.CompleteGroupsInline"/>
/// off, waiters are completed on the thread pool, except the last of a batch after which nothing is queued.
/// </summary>
/// <typeparam name="TRequest">One caller's request.</typeparam>
/// <typeparam name="TOutcome">Its outcome.</typeparam>
/// <remarks>
/// A caller's cancellation ends only its own wait: the call it is part of goes on for the others. A
/// request cancelled while still queued is never sent (an admission's nonce stays unspent); one already
/// sent is decided by the store regardless, as a cancelled single call would be.
/// </remarks>
internal sealed class RedisGroupCommit<TRequest, TOutcome>
{
    private readonly Func<IReadOnlyList<TRequest>, Task<TOutcome[]>> _send;
    private readonly int _maxBatch;
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private readonly List<Pending> _batch = new(16);
    private readonly List<TRequest> _requests = new(16);
    private readonly GroupCommitWaiterPool<Pending> _free = new();
    private readonly Action _startSending;
    private bool _sending;

    /// <param name="send">Carries out a batch in one store call: one outcome per request, in order.</param>
    /// <param name="maxBatch">The most requests one call carries.</param>
    public RedisGroupCommit(Func<IReadOnlyList<TRequest>, Task<TOutcome[]>> send, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _send = send;
        _maxBatch = maxBatch;
        _startSending = () => _ = SendQueuedAsync();
    }

    /// <summary>Queues the (already validated) request; completes with its outcome once its batch is carried out.</summary>
    public ValueTask<TOutcome> SendAsync(TRequest request, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TOutcome>(cancellationToken);
        }

        var pending = _free.TryTake() ?? new Pending(_free);
        pending.Start(request, cancellationToken);
        bool start;
        lock (_gate)
        {
            _queue.Enqueue(pending);
            start = !_sending;
            _sending = true;
        }

        if (start && !GroupCommitDeferral.TryHold(_startSending))
        {
            _ = SendQueuedAsync();
        }

        return pending.Task;
    }

    private async Task SendQueuedAsync()
    {
        // Only one sender runs at a time (_sending), so its lists are kept for the next one.
        var batch = _batch;
        var requests = _requests;
        for (var round = 0; ; round++)
        {
            if (round > 0)
            {
                // The first batch is sent on the caller's thread; later ones never hold it up.
                await Task.Yield();
            }

            batch.Clear();
            requests.Clear();
            lock (_gate)
            {
                while (batch.Count < _maxBatch && _queue.TryDequeue(out var next))
                {
                    // Cancelled while queued: never sent (its cancellation ends the wait).
                    if (next.IsCancellationRequested)
                    {
                        next.LetGo();
                    }
                    else
                    {
                        batch.Add(next);
                        requests.Add(next.Request);
                    }
                }

                if (batch.Count == 0)
                {
                    _sending = false;
                    return;
                }
            }

            await SendBatchAsync(batch, requests).ConfigureAwait(false);
            if (GroupWaiters.WholeGroupInline)
            {
                CompleteInline(batch);
                return;
            }

            // Every waiter but the last goes on on the thread pool; the last goes on here when nothing else waits to be sent.
            for (var i = 0; i < batch.Count - 1; i++)
            {
                batch[i].CompleteOnThreadPool();
            }

            var last = batch[^1];
            bool idle;
            lock (_gate)
            {
                idle = _queue.Count == 0;
                _sending = !idle;
            }

            if (idle)
            {
                last.CompleteInlineWhenOn();
                return;
            }

            last.CompleteOnThreadPool();
        }
    }

    // GroupWaiters.CompleteGroupsInline: the next batch, if one waits, is sent from the thread pool at once, and every
    // waiter of this one goes on here (InlineGroup), taken out of the list before this sender lets go of it (_sending).
    private void CompleteInline(List<Pending> batch)
    {
        var taken = InlineGroup<Pending>.TakeOut(batch);
        bool idle;
        lock (_gate)
        {
            idle = _queue.Count == 0;
            _sending = !idle;
        }

        if (!idle)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static commit => _ = commit.SendQueuedAsync(), this, preferLocal: false);
        }

        taken.CompleteHeld();
    }

    // Never throws: a batch that fails fails its requests, and the next batch is still sent. Settles every waiter; the
    // caller completes them.
    private async Task SendBatchAsync(List<Pending> batch, List<TRequest> requests)
    {
        try
        {
            var outcomes = await _send(requests).ConfigureAwait(false);
            if (outcomes.Length != batch.Count)
            {
                throw new InvalidOperationException($"The batch of {batch.Count} returned {outcomes.Length} outcomes.");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Settle(outcomes[i]);
            }
        }
        catch (StateStoreUnavailableException ex)
        {
            Fail(batch, ex);
        }
        catch (Exception ex)
        {
            Fail(batch, new StateStoreUnavailableException("The batched store call failed: " + ex.Message, ex));
        }
    }

    private static void Fail(List<Pending> batch, StateStoreUnavailableException error)
    {
        foreach (var pending in batch)
        {
            pending.Fail(error);
        }
    }

    /// <summary>One request and its caller's wait, in one object, reused (<see cref="GroupCommitWaiter{TOutcome}"/>).</summary>
    private sealed class Pending(GroupCommitWaiterPool<Pending> pool) : GroupCommitWaiter<TOutcome>
    {
        public TRequest Request { get; private set; } = default!;

        public void Start(TRequest request, CancellationToken cancellationToken)
        {
            Request = request;
            Begin(cancellationToken);
        }

        protected override void Reuse()
        {
            Request = default!;
            pool.Return(this);
        }
    }
}
