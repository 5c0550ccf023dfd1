using System.Text.Json;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// A push-notification webhook on an A2A call, where the remote agent would send the task, whole, straight to it, where the
/// gateway never sees it: under a <c>redact</c> or <c>mask</c> degrade (applied as redaction) a call that names one, or
/// whose message continues or refers to a task a webhook was set on (by an earlier call, under any skill:
/// <see cref="A2aTaskOwners.RecordWebhookAsync"/>), is refused, so that the agent gets the task only through the gateway,
/// redacted; and whatever a call's own decision, one naming a webhook for a task a call under redact or mask was forwarded
/// for (<see cref="A2aTaskOwners.RecordRedactedAsync"/>: the task holds what the gateway redacted) is refused too. Under
/// <c>read_only</c> a call naming a webhook is refused (the remote agent would set a configuration). A flag that cannot be
/// read refuses the call. Any other call naming a webhook for a task it names records the task's webhook, and a call under
/// redact or mask its task's redaction, once nothing else refuses it (<see cref="RecordWebhookAsync"/>,
/// <see cref="RecordRedactedAsync"/>; a message opening a task, when its answer names it: <see cref="A2aCallerTasks"/>).
/// </summary>
internal static class PushDegrade
{
    /// <summary>True when <paramref name="degrade"/> is carried out as redaction (<c>redact</c>, <c>mask</c>).</summary>
    public static bool Redacts(DegradeSpec? degrade) => degrade?.Mode is DegradeMode.Redact or DegradeMode.Mask;

    /// <summary>The refusal, or null when the call may go.</summary>
    public static async ValueTask<Refusal?> RefuseAsync(DescribedAction described, DegradeSpec? degrade, A2aTaskOwners owners, string tenant, CancellationToken cancellationToken)
    {
        try
        {
            return await DecideAsync(described, degrade, owners, tenant, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException)
        {
            return Refusal.StoreUnavailable();
        }
    }

    /// <summary>As <see cref="RefuseAsync"/>; a flag that cannot be read throws.</summary>
    private static async ValueTask<Refusal?> DecideAsync(DescribedAction described, DegradeSpec? degrade, A2aTaskOwners owners, string tenant, CancellationToken cancellationToken)
    {
        if (described.RemoteAgent is not { } remote)
        {
            return null;
        }

        var message = A2aTaskNames.MessageOf(described.Request.Args);
        if (described.NamesPushWebhook)
        {
            if (degrade?.Mode == DegradeMode.ReadOnly)
            {
                return new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused,
                    "The action is degraded to read-only, and a push-notification webhook would have the remote agent set a configuration and push to it; send it without one.");
            }

            if (Redacts(degrade))
            {
                return Refused(degrade!.Mode, "a push-notification webhook would get the remote agent's task unredacted, straight from it; send it without one");
            }

            return await owners.AnyRedactedAsync(tenant, remote, PushedTasks(remote, described.Request.Args, message), cancellationToken).ConfigureAwait(false)
                ? new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused,
                    "The task was served redacted (a call on it was degraded to redact or mask), and a push-notification webhook would get it unredacted, straight from the remote agent; read the task through the gateway.")
                : null;
        }

        if (!Redacts(degrade))
        {
            return null;
        }

        return await owners.AnyHasWebhookAsync(tenant, remote, TasksOf(remote, message), cancellationToken).ConfigureAwait(false)
            ? Refused(degrade!.Mode, "the task it continues or refers to has a push-notification webhook, which would get the remote agent's task unredacted, straight from it; send it in a task without one")
            : null;
    }

    /// <summary>
    /// Records the task a call under a <c>redact</c> or <c>mask</c> degrade names (a task operation's, the task its message
    /// continues) as served redacted, once nothing else refuses it, unless it was flagged already when the call was
    /// described (<see cref="DescribedAction.A2aTask"/>: Respond renews the flag with the task's owner); null when recorded
    /// or nothing is to be, the refusal when the store fails. The task its answer opens is recorded as its answer names it
    /// (<see cref="A2aCallerTasks"/>).
    /// </summary>
    public static async ValueTask<Refusal?> RecordRedactedAsync(DescribedAction described, DegradeSpec? degrade, A2aTaskOwners owners, string tenant, CancellationToken cancellationToken)
    {
        if (!Redacts(degrade) || described.RemoteAgent is not { } remote
            || A2aTaskNames.ActedOn(remote, described.Request.Args, A2aTaskNames.MessageOf(described.Request.Args)).TaskId is not { } task
            || (described.A2aTask is { Redacted: true } known && known.TaskId == task))
        {
            return null;
        }

        try
        {
            await owners.RecordRedactedAsync(tenant, remote, task, cancellationToken).ConfigureAwait(false);
            return null;
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

    /// <summary>The tasks a call naming a webhook would have pushed: the task it acts on (a configuration's, a message's) and those its message refers to.</summary>
    private static List<string> PushedTasks(string remote, JsonElement args, JsonElement message)
    {
        var (referenced, _) = A2aTaskNames.ReferencedBy(message);
        return A2aTaskNames.ActedOn(remote, args, message).TaskId is { } task ? [task, .. referenced] : [.. referenced];
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
