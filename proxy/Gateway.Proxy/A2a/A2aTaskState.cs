namespace Gateway.Proxy.A2a;

/// <summary>A task's state as a reply or an event of the remote agent showed it: the task's id and its state in A2A 0.3's words.</summary>
/// <param name="TaskId">The remote agent's task id.</param>
/// <param name="State"><c>submitted</c>, <c>working</c>, <c>input-required</c>, <c>auth-required</c>, <c>completed</c>, <c>failed</c>, <c>canceled</c>, <c>rejected</c> or <c>unknown</c>.</param>
internal readonly record struct A2aTaskState(string TaskId, string State);
