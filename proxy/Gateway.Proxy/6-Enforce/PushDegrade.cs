using System.Text.Json;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// A <c>redact</c> or <c>mask</c> degrade (applied as redaction) on an A2A call that names a push-notification webhook, or
/// whose message continues or refers to a task a webhook was set on (by an earlier call, under any skill:
/// <see cref="A2aTaskOwners.RecordWebhookAsync"/>): the remote agent would send the task, whole, straight to the webhook,
/// where the gateway never sees it to redact it; refused, so that the agent gets the task only through the gateway,
/// redacted. A flag that cannot be read refuses the call. Any other call naming a webhook for a task it names records the
/// task's webhook once nothing else refuses it (<see cref="RecordWebhookAsync"/>; a message opening a task, when its
/// answer names it: <see cref="A2aCallerTasks"/>).
/// </summary>
internal static class PushDegrade
{
    /// <summary>The refusal, or null when the call may go.</summary>
    public static async ValueTask<Refusal?> RefuseAsync(DescribedAction described, DegradeSpec? degrade, A2aTaskOwners owners, string tenant, CancellationToken cancellationToken)
    {
        if (described.RemoteAgent is not { } remote || degrade?.Mode is not (DegradeMode.Redact or DegradeMode.Mask))
        {
            return null;
        }

        if (described.NamesPushWebhook)
        {
            return Refused(degrade.Mode, "a push-notification webhook would get the remote agent's task unredacted, straight from it; send it without one");
        }

        try
        {
            return await owners.AnyHasWebhookAsync(tenant, remote, TasksOf(remote, A2aTaskNames.MessageOf(described.Request.Args)), cancellationToken).ConfigureAwait(false)
                ? Refused(degrade.Mode, "the task it continues or refers to has a push-notification webhook, which would get the remote agent's task unredacted, straight from it; send it in a task without one")
                : null;
        }
        catch (StateStoreUnavailableException)
        {
            return Refusal.StoreUnavailable();
        }
    }

    /// <summary>
    /// Records the webhook of a call that names one for a task it names (a configuration set, a message continuing a task),
    /// once nothing else refuses it; null when recorded or nothing is to be, the refusal when the store fails.
    /// </summary>
    public static async ValueTask<Refusal?> RecordWebhookAsync(DescribedAction described, A2aTaskOwners owners, string tenant, CancellationToken cancellationToken)
    {
        if (described is not { RemoteAgent: { } remote, NamesPushWebhook: true }
            || A2aTaskNames.ActedOn(remote, described.Request.Args, A2aTaskNames.MessageOf(described.Request.Args)).TaskId is not { } task)
        {
            return null;
        }

        try
        {
            await owners.RecordWebhookAsync(tenant, remote, task, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (StateStoreUnavailableException)
        {
            return Refusal.StoreUnavailable();
        }
    }

    /// <summary>The tasks a message continues (<c>taskId</c>) or refers to (<c>referenceTaskIds</c>); the describer checked both.</summary>
    private static List<string> TasksOf(string remote, JsonElement message)
    {
        var (continued, _) = A2aTaskNames.Of(remote, message, "params.message", A2aTaskNames.TaskId);
        var (referenced, _) = A2aTaskNames.ReferencedBy(message);
        return continued is null ? [.. referenced] : [continued, .. referenced];
    }

    private static Refusal Refused(DegradeMode mode, string why) =>
        new(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused,
            $"The action is degraded to {(mode == DegradeMode.Mask ? "mask" : "redact")}, and {why} and read the task through the gateway.");
}
