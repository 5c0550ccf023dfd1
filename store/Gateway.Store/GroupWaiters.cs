namespace Gateway.Store;

/// <summary>The process-wide switches of <see cref="GroupCommitWaiter{TOutcome}"/> and the audit chain writer's appends.</summary>
public static class GroupWaiters
{
    /// <summary>
    /// Whether group commits complete waiters inline at all (on by default). Off, every waiter is completed on the thread
    /// pool; only to measure what inline completion saves: <c>Gateway:Store:CompleteWaitersInline=false</c>, the load
    /// test's <c>threadpool</c> variant.
    /// </summary>
    public static bool CompleteInline { get; set; } = true;

    /// <summary>
    /// Whether a group commit completes every waiter of a group inline, one after another on the thread that carried the
    /// group out, the group commits their requests start meanwhile held back until the last is completed
    /// (<see cref="GroupCommitDeferral"/>): one wake-up for the group instead of one per request (#52). On by default
    /// with <see cref="CompleteInline"/>; off (<c>Gateway:Store:CompleteGroupsInline=false</c>, the load test's
    /// <c>lastinline</c> variant), only the last waiter of a group after which nothing is queued is completed inline,
    /// and the others on the thread pool.
    /// </summary>
    public static bool CompleteGroupsInline { get; set; } = true;

    /// <summary>True when a group's waiters are all completed inline (<see cref="CompleteGroupsInline"/>).</summary>
    public static bool WholeGroupInline => CompleteInline && CompleteGroupsInline;
}
