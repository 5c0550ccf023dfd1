using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Store.Postgres;

/// <summary>
/// Readiness of PostgreSQL (tagged <c>ready</c>): unhealthy (<c>unavailable</c>) while a round trip fails; recovers by
/// itself. The exception goes to the health check service's log, never to the unauthenticated <c>/readyz</c> body.
/// </summary>
internal sealed class PostgresHealthCheck(PostgresDatabase database) : IHealthCheck
{
    /// <summary>The name the check is registered under.</summary>
    public const string Name = "postgres";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await database.PingAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context?.Registration.FailureStatus ?? HealthStatus.Unhealthy, "unavailable", ex);
        }
    }
}
