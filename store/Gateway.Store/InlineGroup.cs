using System.Buffers;

namespace Gateway.Store;

/// <summary>
/// A whole group's waiters, completed one after another on the thread that carried the group out
/// (<see cref="GroupWaiters.CompleteGroupsInline"/>), the group commits they start held back until the last has gone on
/// (<see cref="GroupCommitDeferral"/>): one wake-up for the group (#52). Used by <see cref="RedisGroupCommit{TRequest, TOutcome}"/>
/// and the audit chain writer alike.
/// </summary>
/// <typeparam name="TWaiter">The group commit's waiter.</typeparam>
public readonly struct InlineGroup<TWaiter>
    where TWaiter : class, IInlineWaiter
{
    private readonly TWaiter[] _waiters;
    private readonly int _count;

    private InlineGroup(TWaiter[] waiters, int count)
    {
        _waiters = waiters;
        _count = count;
    }

    /// <summary>
    /// Takes the waiters out of <paramref name="group"/> (emptied) into a pooled array. Done before the writer lets go of
    /// the list it reuses: once it has, a caller may start the next writer at once, which refills that list.
    /// </summary>
    public static InlineGroup<TWaiter> TakeOut(List<TWaiter> group)
    {
        var waiters = ArrayPool<TWaiter>.Shared.Rent(group.Count);
        group.CopyTo(waiters);
        var taken = new InlineGroup<TWaiter>(waiters, group.Count);
        group.Clear();
        return taken;
    }

    /// <summary>Completes every waiter here, in order, holding back the group commits they start until the last; once only.</summary>
    public void CompleteHeld()
    {
        try
        {
            using var held = GroupCommitDeferral.Begin();
            for (var i = 0; i < _count; i++)
            {
                _waiters[i].CompleteInline();
            }
        }
        finally
        {
            Array.Clear(_waiters, 0, _count);
            ArrayPool<TWaiter>.Shared.Return(_waiters);
        }
    }
}
