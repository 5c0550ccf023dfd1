using Gateway.Audit;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The refusals of an agent the signature proved (a foreign run, a person's token refused) are recorded under that agent.
/// Authentication runs before the pipeline and its refusals never walk it: it builds the audit entry, and the Record
/// stage's writer appends it (<see cref="IAuthenticationRefusalRecorder"/>), the one place that appends to the chain.
/// </summary>
internal sealed partial class AgentSignatureHandler
{
    /// <summary><paramref name="refusal"/>, once recorded under <paramref name="entry"/>; 503 <c>audit_unavailable</c> when the journal could not take it.</summary>
    private static async ValueTask<Refusal> RecordedAsync(HttpContext context, AuditEntry entry, Refusal refusal) =>
        await context.RequestServices.GetRequiredService<IAuthenticationRefusalRecorder>().TryRecordAsync(entry, context.RequestAborted).ConfigureAwait(false)
            ? refusal
            : Refusal.AuditUnavailable();
}
