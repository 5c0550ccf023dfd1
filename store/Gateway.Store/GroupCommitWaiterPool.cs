namespace Gateway.Store;

/// <summary>
/// A group commit's waiters once everyone has let go of them (<see cref="GroupCommitWaiter{TOutcome}"/>), kept for its
/// next callers: at most <see cref="MaxKept"/>, the rest left to the collector. One per group commit
/// (<see cref="RedisGroupCommit{TRequest, TOutcome}"/>, the audit chain writer).
/// </summary>
/// <typeparam name="TWaiter">The group commit's waiter.</typeparam>
public sealed class GroupCommitWaiterPool<TWaiter>
    where TWaiter : class
{
    /// <summary>The most waiters kept.</summary>
    public const int MaxKept = 64;

    private readonly Lock _gate = new();
    private readonly Stack<TWaiter> _free = new(16);

    /// <summary>A waiter kept for reuse, or null when none is.</summary>
    public TWaiter? TryTake()
    {
        lock (_gate)
        {
            return _free.TryPop(out var waiter) ? waiter : null;
        }
    }

    /// <summary>Keeps <paramref name="waiter"/>, already reset, for a next caller (unless <see cref="MaxKept"/> are).</summary>
    public void Return(TWaiter waiter)
    {
        lock (_gate)
        {
            if (_free.Count < MaxKept)
            {
                _free.Push(waiter);
            }
        }
    }
}
