using Gateway.Audit;

namespace Gateway.Proxy.Pipeline;

/// <summary>
/// Records a refusal authentication made once the agent was proven (a foreign run, a person's token refused): the
/// Authenticate stage runs before the pipeline and its refusals never walk it, so it builds the audit entry and the
/// Record stage's writer (<c>AuditRecorder</c>), the one place that appends to the audit chain, appends it.
/// </summary>
internal interface IAuthenticationRefusalRecorder
{
    /// <summary>Appends <paramref name="entry"/>; false when the journal could not take it (the refusal is then 503 <c>audit_unavailable</c>).</summary>
    ValueTask<bool> TryRecordAsync(AuditEntry entry, CancellationToken cancellationToken);
}
