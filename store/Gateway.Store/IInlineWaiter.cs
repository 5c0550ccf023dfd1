namespace Gateway.Store;

/// <summary>A group commit's waiter that its writer can complete on its own thread (<see cref="InlineGroup{TWaiter}"/>).</summary>
public interface IInlineWaiter
{
    /// <summary>Completes the wait here: the caller's continuation runs on this thread before this returns.</summary>
    void CompleteInline();
}
