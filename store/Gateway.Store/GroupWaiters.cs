namespace Gateway.Store;

/// <summary>The process-wide switch of <see cref="GroupWaiter{TOutcome}"/>.</summary>
public static class GroupWaiters
{
    /// <summary>
    /// Whether group commits complete their last waiter inline (on by default). Off only to measure what it saves:
    /// <c>Gateway:Store:CompleteWaitersInline=false</c>, the load test's <c>threadpool</c> variant.
    /// </summary>
    public static bool CompleteInline { get; set; } = true;
}
