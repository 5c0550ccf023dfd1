namespace Gateway.Proxy.Pipeline;

/// <summary>
/// Records a refusal authentication made once the agent was proven (a foreign run, a person's token refused): the
/// Authenticate stage runs before the pipeline and its refusals never walk it, so it adds its record of the refusal to the
/// request and the Record stage's writer (<c>AuditRecorder</c>), the one place that makes audit entries and appends them
/// to the audit chain, records it.
/// </summary>
internal interface IAuthenticationRefusalRecorder
{
    /// <summary>
    /// Appends the entry of the refusal the request's Authenticate record carries; false when the journal could not take
    /// it (the refusal is then 503 <c>audit_unavailable</c>).
    /// </summary>
    ValueTask<bool> TryRecordAsync(HttpContext context);
}
