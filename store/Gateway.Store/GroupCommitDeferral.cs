namespace Gateway.Store;

/// <summary>
/// Holds back, on one thread, the group commits started while that thread completes a whole group's waiters inline
/// (<see cref="GroupWaiters.CompleteGroupsInline"/>, #52: one wake-up per request). Each waiter's request goes on, on
/// that thread, to its next wait: an admitted request to its decision record's append. The first append of such a
/// group would otherwise start its chain's writer at once, alone in a group of its own (one signature and one store
/// call for one record), and the rest of the group would queue behind it. Held back, the writer starts once the
/// group's waiters are all completed, and takes their records as one group.
/// </summary>
/// <remarks>
/// Only a start is held back: what is queued is queued at once, in the order of the waiters. A start held back is
/// made on the same thread when the outermost <see cref="Begin">scope</see> ends, before that thread does anything
/// else, so nothing waits on a start that is never made. A scope begun inside another adds to the outer one. A scope
/// never spans an await: it is begun and ended on one thread, around code that runs there to its next wait.
/// </remarks>
public static class GroupCommitDeferral
{
    [ThreadStatic]
    private static List<Action>? t_held;

    [ThreadStatic]
    private static bool t_holding;

    /// <summary>
    /// Holds <paramref name="start"/> back when this thread is completing a group inline (true), or returns false:
    /// the caller starts its group commit itself, at once. A start never throws: it begins a write whose failures its
    /// waiters get.
    /// </summary>
    public static bool TryHold(Action start)
    {
        if (!t_holding)
        {
            return false;
        }

        (t_held ??= new List<Action>(4)).Add(start);
        return true;
    }

    /// <summary>Holds back the starts made on this thread until the scope ends (a scope within a scope is the outer one).</summary>
    public static Scope Begin()
    {
        if (t_holding)
        {
            return default;
        }

        t_holding = true;
        return new Scope(outermost: true);
    }

    /// <summary>The starts held back are made when the outermost scope ends, in the order they were held.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly bool _outermost;

        internal Scope(bool outermost) => _outermost = outermost;

        /// <inheritdoc/>
        public void Dispose()
        {
            if (!_outermost)
            {
                return;
            }

            // No longer holding: a start that a held one makes in turn is made at once. The list is taken, so that a scope
            // begun while a held start runs (a store call that completed at once) holds its own starts in a list of its own.
            t_holding = false;
            if (t_held is not { Count: > 0 } held)
            {
                return;
            }

            t_held = null;
            try
            {
                for (var i = 0; i < held.Count; i++)
                {
                    held[i]();
                }
            }
            finally
            {
                held.Clear();
                t_held ??= held;
            }
        }
    }
}
