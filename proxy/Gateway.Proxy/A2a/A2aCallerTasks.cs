namespace Gateway.Proxy.A2a;

/// <summary>
/// The tasks and contexts one A2A call's caller holds on its remote agent (<see cref="A2aTaskOwners"/>, bound to the
/// call's tenant, connector and agent), carried on the call's forward plan: Respond records the tasks and contexts an
/// answer names and keeps a task listing to the caller's. A remote agent's event stream also records through it, before the event naming the task is
/// passed on (<c>7-Forward/A2aStreamRelay</c>): the exception <c>6-Enforce/ForwardPlan.cs</c> states. A call that named a
/// push-notification webhook (<paramref name="namesPushWebhook"/>) records each task it names as having one, and a call
/// under a <c>redact</c> or <c>mask</c> degrade (<paramref name="redacted"/>) each task it names as served redacted. The
/// task the call acts on, its owner and flags read as it was described (<paramref name="actedOn"/>), is renewed as read,
/// its flags not claimed or read again (<see cref="A2aTaskOwners.RenewAsync"/>).
/// </summary>
internal sealed class A2aCallerTasks(A2aTaskOwners owners, string tenant, string connector, string agent, bool namesPushWebhook, bool redacted, A2aTaskFlags? actedOn)
{
    private readonly HashSet<string> _recorded = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="taskId"/> as the caller's, its webhook where the call named one and its redaction where the call was redacted (once per call); never cancelled by the caller going away.</summary>
    public async ValueTask RecordAsync(string taskId)
    {
        if (!_recorded.Add(taskId))
        {
            return;
        }

        if (actedOn is { } known && known.TaskId == taskId)
        {
            await owners.RenewAsync(tenant, connector, agent, known, namesPushWebhook, redacted, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            await owners.RecordAsync(tenant, connector, taskId, agent, namesPushWebhook, redacted, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Records <paramref name="contextId"/> as the caller's when no other agent holds it (once per call).</summary>
    public async ValueTask RecordContextAsync(string contextId)
    {
        if (_recorded.Add("context\n" + contextId))
        {
            await owners.RecordContextAsync(tenant, connector, contextId, agent, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>True when <paramref name="taskId"/> was opened by the caller.</summary>
    public ValueTask<bool> OwnsAsync(string taskId) => owners.IsOwnerAsync(tenant, connector, taskId, agent, CancellationToken.None);
}
