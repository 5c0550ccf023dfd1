namespace Gateway.Proxy.A2a;

/// <summary>
/// The tasks one A2A call's caller holds on its remote agent (<see cref="A2aTaskOwners"/>, bound to the call's tenant,
/// connector and agent), carried on the call's forward plan: Respond records the tasks an answer names and keeps a task
/// listing to the caller's. It is also the one place a relay writes: a task a remote agent's event stream names is
/// recorded as the caller's before that event is passed on (<c>7-Forward/A2aStreamRelay</c>), because the caller may read
/// or cancel the task as soon as it sees the event, and that read is refused unless the ownership is already durable.
/// </summary>
internal sealed class A2aCallerTasks(A2aTaskOwners owners, string tenant, string connector, string agent)
{
    private readonly HashSet<string> _recorded = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="taskId"/> as the caller's (once per call); never cancelled by the caller going away.</summary>
    public async ValueTask RecordAsync(string taskId)
    {
        if (_recorded.Add(taskId))
        {
            await owners.RecordAsync(tenant, connector, taskId, agent, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>True when <paramref name="taskId"/> was opened by the caller.</summary>
    public ValueTask<bool> OwnsAsync(string taskId) => owners.IsOwnerAsync(tenant, connector, taskId, agent, CancellationToken.None);
}
