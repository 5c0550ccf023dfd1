using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// A redact degrade on an A2A call that names a push-notification webhook: the remote agent would send the task, whole,
/// straight to the webhook, where the gateway never sees it to redact it; refused, so that the agent gets the task only
/// through the gateway, redacted.
/// </summary>
internal static class PushDegrade
{
    /// <summary>The refusal, or null when the call may go.</summary>
    public static Refusal? Refuse(DescribedAction described, DegradeSpec? degrade) =>
        degrade?.Mode == DegradeMode.Redact && described.NamesPushWebhook
            ? new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused,
                "The action is degraded to redact, and a push-notification webhook would get the remote agent's task unredacted, straight from it; send it without one and read the task through the gateway.")
            : null;
}
