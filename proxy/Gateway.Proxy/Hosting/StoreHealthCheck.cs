using Gateway.Store;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Proxy.Hosting;

/// <summary>Readiness: the state store answers a ping within two seconds.</summary>
internal sealed class StoreHealthCheck : IHealthCheck
{
    private readonly IStateStore _store;

    public StoreHealthCheck(IStateStore store) => _store = store;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await _store.PingAsync(timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy("ok");
        }
        catch (Exception ex) when (ex is StateStoreUnavailableException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("unavailable");
        }
    }
}
