namespace Gateway.Store.Resp;

/// <summary>
/// A command waiting for its reply. Completed by the reader loop, or abandoned by its caller
/// (timeout, cancellation), in which case the reply is read and discarded so the stream stays in step.
/// </summary>
internal sealed class RespPendingRequest : TaskCompletionSource<RespValue>
{
    public RespPendingRequest(RespCommand command, long repliesReceivedAtSubmit)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Command = command;
        RepliesReceivedAtSubmit = repliesReceivedAtSubmit;
    }

    public RespCommand Command { get; }

    /// <summary>The connection's reply count when this request was queued: no progress since means a stall.</summary>
    public long RepliesReceivedAtSubmit { get; }

    /// <summary>True once completed or abandoned; the writer skips such requests if not yet sent.</summary>
    public bool IsSettled => Task.IsCompleted;
}
