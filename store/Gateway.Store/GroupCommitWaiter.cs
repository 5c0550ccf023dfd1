using System.Threading.Tasks.Sources;

namespace Gateway.Store;

/// <summary>
/// One caller waiting on a group commit (<see cref="RedisGroupCommit{TRequest, TOutcome}"/>, the audit chain writer), in
/// one reusable object: what the caller awaits is this (a single-use value task source), not a task of its own. The
/// group's writer settles it with an outcome or an error, then completes it on its own thread
/// (<see cref="CompleteInline"/>: the caller's request goes on there, <see cref="InlineGroup{TWaiter}"/>) or on the
/// thread pool; the caller's cancellation, if it comes first, ends the wait on the thread pool (never on the
/// canceller's thread), and a writer that has not sent it yet leaves it out (<see cref="IsCancellationRequested"/>).
/// </summary>
/// <typeparam name="TOutcome">What the caller gets.</typeparam>
/// <remarks>
/// Reused once everyone who holds it has let go (<see cref="Reuse"/>): the writer once it completed it (or
/// <see cref="LetGo">left it out</see>), the caller once it read its outcome, a cancellation callback once it ran or
/// was removed. A caller that never reads it leaves it to the collector. A stale caller's token no longer matches: the
/// version moves on with each reuse. Designed for inheritance: each group commit adds what its waiter carries (its
/// request) and keeps its own free list.
/// </remarks>
public abstract class GroupCommitWaiter<TOutcome> : IValueTaskSource<TOutcome>, IThreadPoolWorkItem, IInlineWaiter
{
    private ManualResetValueTaskSourceCore<TOutcome> _completion;
    private TOutcome? _outcome;
    private Exception? _error;
    private CancellationTokenRegistration _cancellation;
    private int _completed;
    private int _holders;
    private bool _cancelRequested;

    /// <summary>What the caller awaits (once).</summary>
    public ValueTask<TOutcome> Task => new(this, _completion.Version);

    /// <summary>True once an outcome or an error is set (it may not be completed yet).</summary>
    public bool IsSettled { get; private set; }

    /// <summary>True once the caller's cancellation was asked for (its wait may not be ended yet).</summary>
    public bool IsCancellationRequested => Volatile.Read(ref _cancelRequested);

    /// <summary>
    /// Makes it a new wait, held by the writer and the caller, ended early by <paramref name="cancellationToken"/>.
    /// Called by the derived waiter once it holds its request, before it is queued.
    /// </summary>
    protected void Begin(CancellationToken cancellationToken)
    {
        _holders = 2;
        if (cancellationToken.CanBeCanceled)
        {
            // Made before it is queued, so that its completion always finds it to undo.
            _holders++;
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((GroupCommitWaiter<TOutcome>)state!).Cancel(token), this);
        }
    }

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

    /// <summary>Completes the caller's wait on the thread pool with what was settled.</summary>
    public void CompleteOnThreadPool() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    /// <summary>
    /// Completes the caller's wait here when inline completion is on (<see cref="GroupWaiters.CompleteInline"/>), on the
    /// thread pool otherwise.
    /// </summary>
    public void CompleteInlineWhenOn()
    {
        if (GroupWaiters.CompleteInline)
        {
            Complete();
        }
        else
        {
            CompleteOnThreadPool();
        }
    }

    /// <summary>Completes the caller's wait here: its continuation runs on this thread before this returns.</summary>
    public void CompleteInline() => Complete();

    /// <summary>The writer lets go of a wait it never sent, whose cancellation ends it (<see cref="IsCancellationRequested"/>).</summary>
    public void LetGo() => Release();

    void IThreadPoolWorkItem.Execute() => Complete();

    /// <summary>Clears what the derived waiter carries and gives it back to its group commit's free list.</summary>
    protected abstract void Reuse();

    // The caller's continuation runs here, on this thread, unless its wait was ended first. The writer's last touch.
    private void Complete()
    {
        // A cancellation callback removed before it ran never will: its hold goes (one that ran, or runs, lets go itself).
        if (_cancellation.Unregister())
        {
            Release();
        }

        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            if (_error is { } error)
            {
                _completion.SetException(error);
            }
            else
            {
                _completion.SetResult(_outcome!);
            }
        }

        Release();
    }

    // The last of the writer, the caller and the cancellation callback to let go resets it for another wait.
    private void Release()
    {
        if (Interlocked.Decrement(ref _holders) != 0)
        {
            return;
        }

        IsSettled = false;
        _outcome = default;
        _error = null;
        _cancellation = default;
        _completed = 0;
        Volatile.Write(ref _cancelRequested, false);
        _completion.Reset();
        Reuse();
    }

    // Seen at once by a writer that has not sent it yet; the wait ends on the thread pool, never on the canceller's thread.
    private void Cancel(CancellationToken token)
    {
        Volatile.Write(ref _cancelRequested, true);
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Waiter.EndCancelled(state.Token), (Waiter: this, Token: token), preferLocal: false);
    }

    private void EndCancelled(CancellationToken token)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _completion.SetException(new TaskCanceledException(null, null, token));
        }

        Release();
    }

    TOutcome IValueTaskSource<TOutcome>.GetResult(short token)
    {
        // Not this wait's token, or not completed yet: throws as it would, and the caller holds nothing to let go.
        if (token != _completion.Version || _completion.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            return _completion.GetResult(token);
        }

        try
        {
            return _completion.GetResult(token);
        }
        finally
        {
            Release();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<TOutcome>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<TOutcome>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
