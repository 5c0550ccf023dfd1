using Gateway.Proxy.Bundle;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Proxy.Hosting;

/// <summary>Readiness: a policy bundle is loaded.</summary>
internal sealed class PolicyHealthCheck : IHealthCheck
{
    private readonly PolicyProvider _policy;

    public PolicyHealthCheck(PolicyProvider policy) => _policy = policy;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_policy.Current is not null ? HealthCheckResult.Healthy("ok") : HealthCheckResult.Unhealthy("not_loaded"));
}
