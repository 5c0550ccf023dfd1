using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Audit;

/// <summary>
/// Readiness of the audit sink (tagged <c>ready</c>): unhealthy while the sink cannot take appends
/// (journal directory or file gone, store unreachable), so a replica that would refuse every governed
/// request for want of an audit record gets no traffic. It recovers by itself once the sink does. Unhealthy reads
/// <c>unavailable</c>; the exception goes to the health check service's log, never to the unauthenticated <c>/readyz</c> body.
/// </summary>
internal sealed class AuditSinkHealthCheck(IAuditStore store) : IHealthCheck
{
    /// <summary>The name the check is registered under.</summary>
    public const string Name = "audit";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ProbeAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The audit sink takes appends.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context?.Registration.FailureStatus ?? HealthStatus.Unhealthy, "unavailable", ex);
        }
    }
}
