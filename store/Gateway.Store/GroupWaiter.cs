namespace Gateway.Store;

/// <summary>
/// One caller waiting on a group commit (<see cref="RedisGroupCommit{TRequest, TOutcome}"/>, the audit chain writer):
/// the group's writer settles it with an outcome or an error, then completes it either on the thread pool (the
/// caller's request goes on there, as with <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>) or
/// <see cref="CompleteInline">on the writer's own thread</see>, which then goes on with that request. A writer
/// completes inline only the last waiter of a group after which nothing is queued, and only once it has stopped
/// writing: that request needs no wake-up of its own, and no other caller waits behind it.
/// </summary>
/// <typeparam name="TOutcome">What the caller gets.</typeparam>
public sealed class GroupWaiter<TOutcome> : IThreadPoolWorkItem
{
    /// <summary>
    /// Completes the waiter here when inline completion is on (<see cref="GroupWaiters.CompleteInline"/>), on the
    /// thread pool otherwise.
    /// </summary>
    public void CompleteInlineWhenOn()
    {
        if (GroupWaiters.CompleteInline)
        {
            CompleteInline();
        }
        else
        {
            CompleteOnThreadPool();
        }
    }

    // Continuations run where the waiter is completed: inline, or on the thread pool through Execute.
    private readonly TaskCompletionSource<TOutcome> _completion = new();
    private TOutcome? _outcome;
    private Exception? _error;
    private bool _cancelRequested;

    /// <summary>What the caller awaits.</summary>
    public Task<TOutcome> Task => _completion.Task;

    /// <summary>True once the caller's cancellation was asked for (its task may not be completed yet).</summary>
    public bool IsCancellationRequested => Volatile.Read(ref _cancelRequested);

    /// <summary>True once an outcome or an error is set (it may not be completed yet).</summary>
    public bool IsSettled { get; private set; }

    /// <summary>Sets the outcome (the first outcome or error set wins).</summary>
    public void Settle(TOutcome outcome)
    {
        if (!IsSettled)
        {
            _outcome = outcome;
            IsSettled = true;
        }
    }

    /// <summary>Sets the error (the first outcome or error set wins).</summary>
    public void Fail(Exception error)
    {
        if (!IsSettled)
        {
            _error = error;
            IsSettled = true;
        }
    }

    /// <summary>Completes the task on the thread pool with what was settled.</summary>
    public void CompleteOnThreadPool() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    /// <summary>Completes the task here: the caller's continuation runs on this thread before this returns.</summary>
    public void CompleteInline()
    {
        if (_error is { } error)
        {
            _completion.TrySetException(error);
        }
        else
        {
            _completion.TrySetResult(_outcome!);
        }
    }

    /// <summary>Ends the caller's wait with its cancellation, on the thread pool (never inline on the canceller's thread).</summary>
    public void CancelOnThreadPool(CancellationToken token)
    {
        Volatile.Write(ref _cancelRequested, true);
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Waiter._completion.TrySetCanceled(state.Token), (Waiter: this, Token: token), preferLocal: false);
    }

    /// <inheritdoc/>
    void IThreadPoolWorkItem.Execute() => CompleteInline();
}
