namespace Gateway.Audit;

/// <summary>
/// A remote agent's task as one of its replies or stream events showed it (<see cref="AuditEntry.A2aTask"/>, on a record
/// of decision <c>a2a_task_state</c>): the remote agent's task id and the state, in A2A 0.3's words (<c>working</c>,
/// <c>input-required</c>, <c>auth-required</c>, <c>completed</c>, <c>failed</c>, <c>canceled</c>, …).
/// </summary>
public sealed record AuditA2aTask
{
    /// <summary>The remote agent's task id.</summary>
    public required string Id { get; init; }

    /// <summary>The task's state.</summary>
    public required string State { get; init; }
}
